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

/** xorshift32: the same seed gives the same edits. */
export function seededRandom(seed: number): { random: () => number; below: (n: number) => number; pick: <T>(items: readonly T[]) => T } {
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
