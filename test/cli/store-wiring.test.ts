import { chooseStore } from '../../functions/cli/store-wiring';

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
