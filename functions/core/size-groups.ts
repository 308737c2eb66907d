/**
 * `items` in consecutive groups, in order, each of at most `maxCount` items and `maxBytes` bytes by `bytesOf` (an item
 * over `maxBytes` by itself is a group of its own: the caller decides whether that is an error). Pure.
 */
export function groupBySize<T>(items: readonly T[], limits: { readonly maxCount: number; readonly maxBytes: number }, bytesOf: (item: T) => number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length >= limits.maxCount || (current.length > 0 && bytes + size > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
