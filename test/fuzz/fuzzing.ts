// What the fuzzers share: a seeded generator, and their shape (run.ts runs each).

export interface FuzzOptions {
  /** Inputs per kind (per file format, configs, target strings). */
  readonly count: number;
  readonly seed: number;
  /** A line of what was tried and how it came out. */
  readonly report: (line: string) => void;
}

/** Each bug found (what, with the input's kind), and how many inputs hit it. */
export type Fuzz = (options: FuzzOptions) => Promise<Map<string, number>>;

export interface Random {
  readonly random: () => number;
  readonly below: (n: number) => number;
  readonly pick: <T>(items: readonly T[]) => T;
}

/** xorshift32: the same seed gives the same edits. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const below = (n: number) => Math.floor(random() * n);
  return { random, below, pick: (items) => items[below(items.length)] };
}

export function counted(bugs: Map<string, number>, what: string): void {
  bugs.set(what, (bugs.get(what) ?? 0) + 1);
}

/** Values of every type, and strings that have broken parsers before: what a field of JSON input is swapped for. */
export const HOSTILE_VALUES: readonly unknown[] = [
  null, true, 0, -1, 1e308, 1.5, '', ' ', 'x'.repeat(5000), '\u0000', '💥', '[::1]:99999', 'https://', 'a:b:c', '::', '[', '%zz', '..', '/',
  '-1d', '0d', '99999999999d', '1e3h', 'rate(0 minutes)', 'rate(1 hours)', 'cron(', 'cron(* * * * * *)', 'cron(0 8 * *)', '__proto__', 'constructor',
  [], [[]], {}, { target: '' }, { target: 5 }, 'smtp://', 'file://', 'file:///', 'file://%00', 'x:65536', '127.0.0.1:-1', 'xn--', `${'a'.repeat(300)}.com`,
  'HTTPS://EXAMPLE.COM:443/path?q#f', 'user:pw@host', 'ldaps://h', '+1555', 'arn:aws:sns:x', '2026-12-01', '2026-12-01T09:00:00Z', 'expiry',
];

/**
 * Edits of a JSON value: one or two of its fields (at any depth) dropped, swapped for a hostile value, or edited in
 * turn, or a key from `addedKeys` (or an item) added.
 */
export function jsonEditor({ random, below, pick }: Random, addedKeys: readonly string[]): (value: unknown) => unknown {
  const edited = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object' || depth > 6) return random() < 0.5 ? pick(HOSTILE_VALUES) : value;
    const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    for (let edits = 1 + below(2); edits > 0; edits--) {
      const roll = random();
      if (keys.length === 0 || roll < 0.1) {
        if (Array.isArray(copy)) copy.push(pick(HOSTILE_VALUES));
        else copy[pick(addedKeys)] = pick(HOSTILE_VALUES);
        continue;
      }
      const key = pick(keys);
      const slot = copy as Record<string, unknown>;
      if (roll < 0.25) {
        if (Array.isArray(copy)) copy.splice(Number(key), 1);
        else delete slot[key];
      } else slot[key] = roll < 0.55 ? pick(HOSTILE_VALUES) : edited(slot[key], depth + 1);
    }
    return copy;
  };
  return (value) => edited(value, 0);
}
