import type { CertificateInfo } from '../../../functions/core/certificate';
import type { CheckResult, Observation } from '../../../functions/core/check-result';
import { foldObservation, type ObservedResult } from '../../../functions/core/escalation/fold';
import { markPublished } from '../../../functions/core/escalation/outbox';
import { DEFAULT_POLICY, type EscalationPolicy } from '../../../functions/core/escalation/policy';
import { judgeAddresses, type AddressProbe } from '../../../functions/core/address-judgement';
import { CHECK_DEFAULTS, type Thresholds } from '../../../functions/core/check-settings';
import type { AlertKind, PlannedNotification, WatchState } from '../../../functions/core/watch-state';

// A pure simulation of the watcher: an injected clock, real judging, the engine, and a store and notifier that
// only do what the engine's callers must do (bump the version, publish the outbox, mark what was sent).

export const T0 = new Date('2026-03-01T00:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** T0 plus days and hours. */
export const at = (days: number, hours = 0) => new Date(T0.getTime() + days * DAY + hours * HOUR);

/** A time as days and hours since T0: `63d`, `87d6h`. Readable in failure diffs, exact (no float days). */
export function label(time: Date | string): string {
  const hours = Math.round((new Date(time).getTime() - T0.getTime()) / HOUR);
  const sign = hours < 0 ? '-' : '';
  const days = Math.floor(Math.abs(hours) / 24);
  const rest = Math.abs(hours) % 24;
  return `${sign}${days}d${rest ? `${rest}h` : ''}`;
}

export const TARGET: Omit<ObservedResult, 'result'> = { certificateId: 'tls:shop.example:443', source: 'tls', target: 'shop.example:443', owner: 'payments', tags: { env: 'prod' } };

/** A leaf issued at `issuedAt` for `lifetimeDays`; the fingerprint names the certificate. */
export function leaf(fingerprint: string, issuedAt: Date, lifetimeDays: number, overrides: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=shop.example',
    issuer: 'CN=Test CA',
    sans: ['shop.example'],
    notBefore: issuedAt.toISOString(),
    notAfter: new Date(issuedAt.getTime() + lifetimeDays * DAY).toISOString(),
    serialNumber: fingerprint,
    fingerprintSha256: fingerprint,
    keyAlgorithm: 'EC',
    keySize: 256,
    signatureAlgorithm: 'ecdsa-with-SHA256',
    selfIssued: false,
    ...overrides,
  };
}

/** Audiences as the deliveries list them. */
export const OWNERS = 'owners';
export const BOTH = 'owners+oncall';

/** A 398-day certificate issued at T0: notice from day 353, warning 368, urgent 384, critical 395, expired 398. */
export const long = leaf('AA:01', T0, 398);
export const serveLong = (now: Date) => served([long], now);

/** Far from expiry (day 10 of 398): no expiry stage applies, so any notice is the invalid alert's. */
export const misnamed = leaf('BB:01', T0, 398, { sans: ['other.example'] });
export const mismatch = { hostnameMismatch: '"shop.example" is not in the certificate\'s names: DNS:other.example' };
export const serveMisnamed = (now: Date) => served([misnamed], now, mismatch);

/** Where every result of the harness comes from. */
const ENDPOINT = { target: TARGET.target, host: 'shop.example', port: 443, servername: 'shop.example', protocol: 'tls' } as const satisfies Partial<CheckResult>;

/** The one address the harness's name resolves to, unless a test serves a pool. */
export const ADDRESS = '192.0.2.10';

/** What the check use case returns for a served chain at `now` (real judging), with what else the probe saw. */
export function served(chain: CertificateInfo[], now: Date, seen: Partial<Omit<Observation, 'chain'>> = {}): CheckResult {
  return pool(now, [{ address: ADDRESS, chain, seen }]);
}

export function unreachable(code: 'TIMEOUT' | 'CONNECTION_REFUSED' = 'TIMEOUT'): CheckResult {
  return pool(new Date(0), [{ address: ADDRESS, error: code }]);
}

/** One address of a pool: what it serves, or the error probing it gives. */
export type PoolNode = { address: string; chain: CertificateInfo[]; seen?: Partial<Omit<Observation, 'chain'>> } | { address: string; error: 'TIMEOUT' | 'CONNECTION_REFUSED' };

/** What the check use case returns for a name served by `nodes` (in the order the resolver gave them), judged at `now`. */
export function pool(now: Date, nodes: readonly PoolNode[], notProbed: readonly string[] = [], thresholds: Thresholds = CHECK_DEFAULTS): CheckResult {
  const probes = nodes.map((node): AddressProbe =>
    'error' in node
      ? { address: node.address, error: { code: node.error, message: `shop.example:443: ${node.error.toLowerCase()}` } }
      : { address: node.address, observation: { chain: node.chain, chainProblem: null, chainProblemDetail: null, hostnameMismatch: null, ...node.seen } },
  );
  return { ...ENDPOINT, elapsedMs: 5, ...judgeAddresses(probes, notProbed, thresholds, now) };
}

/** One delivered notification, as the assertions read it. */
export type Delivery = [time: string, kind: AlertKind, stage: string, audiences: string];

export const delivery = (notification: PlannedNotification, sentAt: Date): Delivery => [label(sentAt), notification.kind, notification.stage, notification.audiences.join('+')];

/** `count` deliveries from `start` every `stepHours`, all of one kind and stage. */
export function series(start: Date, stepHours: number, count: number, kind: AlertKind, stage: string, audiences: string): Delivery[] {
  return Array.from({ length: count }, (_, index) => [label(new Date(start.getTime() + index * stepHours * HOUR)), kind, stage, audiences]);
}

/** The watcher loop for one certificate: fold the observation, persist (version bump), publish the whole outbox. */
export class Watcher {
  state: WatchState | undefined;
  readonly deliveries: Delivery[] = [];
  private messages = 0;

  constructor(readonly policy: EscalationPolicy = DEFAULT_POLICY) {}

  /**
   * One run. `snsUp: false` makes every publish fail, so nothing is marked published. `clock`: the wall clock, when
   * `now` is simulated (`--now`).
   */
  run(now: Date, result: CheckResult, { snsUp = true, clock = now }: { snsUp?: boolean; clock?: Date } = {}): readonly PlannedNotification[] {
    const { state, planned } = foldObservation(this.state, { ...TARGET, result }, this.policy, now, clock);
    let stored: WatchState = { ...state, version: state.version + 1 };
    if (snsUp) {
      for (const notification of stored.pending) {
        this.deliveries.push(delivery(notification, now));
        stored = markPublished(stored, notification.id, `message-${++this.messages}`, now);
      }
    }
    this.state = stored;
    return planned;
  }

  /** Runs every `everyHours` from `from` (inclusive) to `to` (exclusive), serving what `serve(now)` returns. */
  runEvery(everyHours: number, from: Date, to: Date, serve: (now: Date) => CheckResult): Delivery[] {
    const before = this.deliveries.length;
    for (let time = from.getTime(); time < to.getTime(); time += everyHours * HOUR) this.run(new Date(time), serve(new Date(time)));
    return this.deliveries.slice(before);
  }
}

export function currentState(watcher: Watcher): WatchState {
  if (!watcher.state) throw new Error('no run yet');
  return watcher.state;
}

/**
 * Every state a watcher leaves over a certificate's life, as stored (through JSON): notices undelivered and sent,
 * stages, a failing probe, a certificate clients reject, a pool of addresses.
 */
export function statesOfALife(): WatchState[] {
  const watcher = new Watcher();
  const states: WatchState[] = [];
  const step = (now: Date, result: CheckResult, snsUp = true) => {
    watcher.run(now, result, { snsUp });
    states.push(JSON.parse(JSON.stringify(currentState(watcher))) as WatchState);
  };
  for (let day = 350; day < 400; day += 3) step(at(day), serveLong(at(day)), day % 2 === 0);
  for (let hour = 0; hour < 6; hour++) step(at(400, hour), unreachable());
  step(at(401), serveMisnamed(at(401)));
  step(at(402), pool(at(402), [{ address: ADDRESS, chain: [misnamed] }, { address: '192.0.2.11', error: 'TIMEOUT' }]));
  step(at(403), serveLong(at(403)));
  return states;
}
