import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { UnreadableRevision } from '../core/ports';
import type { Item } from './dynamodb-attribute-values';

// An item that is not a readable state, as read, and the condition that it is still exactly that: what lets
// `certwatch forget` delete it, and a run replace it with a fresh state, whatever it holds. Its `version` may be
// missing, or not a number (which no version condition can ever match), so the condition names what was there.

/** What any writer of a certwatch item changes: a certwatch run always rewrites all three. */
const WATCHED_ATTRIBUTES = ['version', 'updatedAt', 'state'] as const;

/** Strings up to this long are compared whole; a longer one (a state) by its type and its beginning. */
const WHOLE_STRING_CHARS = 1024;

/** One attribute as read: absent, a value compared whole, a long string's beginning, or only its type. */
type Seen = { readonly absent: true } | { readonly equals: AttributeValue } | { readonly beginsWith: string } | { readonly type: string };

/** The revision of `item`, for a condition on it later. */
export function unreadableRevision(item: Item): UnreadableRevision {
  const seen = Object.fromEntries(WATCHED_ATTRIBUTES.map((name) => [name, seenOf(item[name])]));
  return { unreadable: JSON.stringify(seen) };
}

/**
 * The condition that the item is still as `revision` saw it (the caller adds that it exists). Throws for a revision no
 * store of this kind made.
 */
export function unreadableCondition(revision: UnreadableRevision): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
} {
  let seen: Record<string, Seen>;
  try {
    seen = JSON.parse(revision.unreadable) as Record<string, Seen>;
  } catch {
    throw new Error('not a revision of an unreadable item');
  }
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const terms: string[] = [];
  WATCHED_ATTRIBUTES.forEach((attribute, index) => {
    const name = `#u${index}`;
    const value = `:u${index}`;
    const what = seen[attribute];
    if (!what) throw new Error('not a revision of an unreadable item');
    names[name] = attribute;
    if ('absent' in what) terms.push(`attribute_not_exists(${name})`);
    else if ('equals' in what) {
      terms.push(`${name} = ${value}`);
      values[value] = what.equals;
    } else if ('beginsWith' in what) {
      terms.push(`attribute_type(${name}, :typeS) AND begins_with(${name}, ${value})`);
      values[':typeS'] = { S: 'S' };
      values[value] = { S: what.beginsWith };
    } else {
      terms.push(`attribute_type(${name}, ${value})`);
      values[value] = { S: what.type };
    }
  });
  return { ConditionExpression: terms.join(' AND '), ExpressionAttributeNames: names, ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}) };
}

function seenOf(value: AttributeValue | undefined): Seen {
  if (value === undefined) return { absent: true };
  if (value.N !== undefined || value.BOOL !== undefined || value.NULL !== undefined) return { equals: value };
  if (value.S !== undefined) return value.S.length <= WHOLE_STRING_CHARS ? { equals: { S: value.S } } : { beginsWith: value.S.slice(0, WHOLE_STRING_CHARS) };
  // Maps, lists, sets and binaries: no certwatch writer stores these here, so the type alone tells it was not rewritten.
  return { type: Object.keys(value).find((key) => (value as unknown as Record<string, unknown>)[key] !== undefined) ?? 'NULL' };
}
