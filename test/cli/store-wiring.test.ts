import { chooseStore } from '../../functions/cli/store-wiring';
import { UsageError } from '../../functions/cli/usage-error';

// `--store` and `--table` decide the store of every watch command, in one place.

test.each([
  ['a directory is the local store there', { store: '.certwatch' }, {}, { kind: 'local', directory: '.certwatch' }],
  ['--table is ignored with a local store', { store: 'state', table: 'other' }, {}, { kind: 'local', directory: 'state' }],
  ['dynamodb takes the table from --table first', { store: 'dynamodb', table: 'flagged' }, { CERTWATCH_TABLE: 'from-env' }, { kind: 'dynamodb', tableName: 'flagged' }],
  ['then from CERTWATCH_TABLE', { store: 'dynamodb' }, { CERTWATCH_TABLE: ' from-env ' }, { kind: 'dynamodb', tableName: 'from-env' }],
  ['else certwatch, also for a blank CERTWATCH_TABLE', { store: 'dynamodb' }, { CERTWATCH_TABLE: '  ' }, { kind: 'dynamodb', tableName: 'certwatch' }],
])('%s', (_, flags, env, choice) => {
  expect(chooseStore(flags, env)).toEqual(choice);
});

test('an empty --store is a usage mistake, not the current folder', () => {
  expect(() => chooseStore({ store: '' }, {})).toThrow('--store must name a directory (or "dynamodb"); an empty path is not one');
  expect(() => chooseStore({ store: '  ' }, {})).toThrow(UsageError);
});
