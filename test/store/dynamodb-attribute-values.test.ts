import { itemSizeBytes } from '../../functions/store/dynamodb-attribute-values';

// The item size the 400 KB guard relies on.

test('item size follows DynamoDB: UTF-8 bytes of names and strings, list and map overheads', () => {
  expect(itemSizeBytes({ id: { S: 'abc' } })).toBe(2 + 3);
  expect(itemSizeBytes({ é: { S: 'é' } })).toBe(2 + 2);
  expect(itemSizeBytes({ l: { L: [] }, m: { M: {} } })).toBe(1 + 3 + 1 + 3);
  expect(itemSizeBytes({ l: { L: [{ NULL: true }, { BOOL: true }] } })).toBe(1 + 3 + 2 * (1 + 1));
  expect(itemSizeBytes({ m: { M: { ab: { S: 'xyz' } } } })).toBe(1 + 3 + 1 + 2 + 3);
  expect(itemSizeBytes({ n: { N: '12345' } })).toBe(1 + 2 + 3);
});
