import type { AttributeValue } from '@aws-sdk/client-dynamodb';

// The item size DynamoDB charges against its 400 KB limit (marshalling itself is @aws-sdk/util-dynamodb's).

export type Item = Record<string, AttributeValue>;

/** DynamoDB's maximum item size (attribute names included). */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * Item size by DynamoDB's rules: names and strings in UTF-8 bytes; a number about one byte per two significant
 * digits plus one (counted with a byte to spare); lists and maps 3 bytes plus 1 per element.
 */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + attributeValueSizeBytes(value);
  return size;
}

function attributeValueSizeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return Math.min(21, 2 + Math.ceil(significantDigits(value.N) / 2));
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return value.L.reduce((sum, element) => sum + 1 + attributeValueSizeBytes(element), 3);
  if (value.M !== undefined) {
    return Object.entries(value.M).reduce((sum, [key, member]) => sum + 1 + Buffer.byteLength(key, 'utf8') + attributeValueSizeBytes(member), 3);
  }
  // Types certwatch never writes (sets, binary): count their JSON, an over-estimate.
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function significantDigits(number: string): number {
  const mantissa = number.replace(/^[-+]/, '').split(/[eE]/)[0].replace('.', '');
  return Math.max(1, mantissa.replace(/^0+/, '').replace(/0+$/, '').length);
}
