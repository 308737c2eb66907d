/**
 * Sets `key` in `map`, first dropping the oldest entry (Maps keep insertion order) when it already holds `max`: the
 * probes' caches (parsed certificates, signature checks, DNS answers) stay bounded however many
 * targets a run has.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
