import type { NameResolver, ResolveSettings } from '../../core/ports';
import { setBounded } from '../bounded-map';

// Answers kept while their TTL lasts, and lookups in flight shared: a run with 1,000 targets on one name asks once.

/** One lookup's answer: the addresses, in the resolver's order, and how long they may be kept. */
export interface DnsAnswer {
  readonly addresses: readonly string[];
  /** 0: not kept once the lookup is over (lookups in flight are still shared). */
  readonly ttlMs: number;
}

/** Looks a name up once, within `timeoutMs`. Throws a ProbeError (`DNS_*`). */
export type NameLookup = (name: string, timeoutMs: number) => Promise<DnsAnswer>;

/** Names remembered at once; the oldest goes first (a run rarely holds more than a few hundred distinct names). */
export const CACHED_NAMES_MAX = 10_000;

interface CachedAnswer {
  /** Infinity while the lookup is in flight. */
  expiresAt: number;
  readonly addresses: Promise<readonly string[]>;
}

export class CachedResolver implements NameResolver {
  private readonly answers = new Map<string, CachedAnswer>();

  constructor(
    private readonly lookup: NameLookup,
    private readonly clock: () => number = Date.now,
  ) {}

  resolve(name: string, settings: ResolveSettings): Promise<readonly string[]> {
    const cached = this.answers.get(name);
    if (cached && cached.expiresAt > this.clock()) return cached.addresses;
    const forget = () => {
      if (this.answers.get(name) === entry) this.answers.delete(name);
    };
    const entry: CachedAnswer = {
      expiresAt: Number.POSITIVE_INFINITY,
      addresses: this.lookup(name, settings.timeoutMs).then(
        (answer) => {
          entry.expiresAt = this.clock() + answer.ttlMs;
          if (answer.ttlMs <= 0) forget();
          return answer.addresses;
        },
        (error: unknown) => {
          // A failure is not kept: the next target on the name asks again.
          forget();
          throw error;
        },
      ),
    };
    this.answers.delete(name);
    setBounded(this.answers, name, entry, CACHED_NAMES_MAX);
    return entry.addresses;
  }
}
