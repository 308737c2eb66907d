import type { PlannedNotification, SentNotification, WatchState } from '../watch-state';
import { boundedHistory } from './stored-state';

// Times from the future: a state written by a run whose clock was ahead (a host clock that jumped forward, or a run
// with `--force-now`). Ordering observations by their time would then discard every real observation until real time
// caught up, and every repeat timer, claim and digest ledger dated ahead would stay silent as long: a watcher muted
// by one bad clock. So a time later than anything a real clock can have written is set aside. Pure: the run says
// what its clock is.

/**
 * Clocks of the hosts sharing one store may differ this much, and a `--now` this close to the clock counts as the
 * clock: times within it are believed, and ordered.
 */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/**
 * The latest time a record can honestly carry in a run at `now` whose wall clock is `clock` (the same, unless `now`
 * is simulated): the later of the two, plus the tolerance. Anything later was written by a clock ahead of both.
 */
export function horizonOf(now: Date, clock: Date = now): number {
  return Math.max(now.getTime(), clock.getTime()) + CLOCK_TOLERANCE_MS;
}

/** Whether `iso` (null: no time) is later than `horizon`. */
export function isBeyond(iso: string | null | undefined, horizon: number): boolean {
  return typeof iso === 'string' && Date.parse(iso) > horizon;
}

/**
 * `state` without what a clock ahead of `horizon` decided, or null when nothing in it is from beyond the horizon.
 * Notices decided beyond it are dropped, pending or sent (a real run deciding the same notice at that time later must
 * not take it for sent); claims made beyond it are released; the expiry stage and each alert's repeat timer go back
 * to what the notices sent before the horizon say (as if the future run had not happened); acknowledgements made
 * beyond it go, and one of the stage it goes back to that the clock ahead cleared holds again; its history entries go,
 * with one entry saying so. Who was told stays told: they hear the recovery, which corrects what they were told too early.
 */
export function setAsideTheFuture(state: WatchState, horizon: number, now: Date): WatchState | null {
  const beyond = (iso: string | null | undefined) => isBeyond(iso, horizon);
  const fromTheFuture =
    beyond(state.lastCheckedAt) ||
    beyond(state.expiry.lastNotifiedAt) ||
    beyond(state.expiry.stageEnteredAt) ||
    beyond(state.errorAlert.lastNotifiedAt) ||
    beyond(state.invalidAlert?.lastNotifiedAt) ||
    state.pending.some((notice) => beyond(notice.decidedAt) || beyond(notice.claimedAt));
  if (!fromTheFuture) return null;

  const sent = state.sent.filter((notice) => !beyond(notice.decidedAt));
  // A recovery that leaves the certificate in a stage (`stageNow`: eased, or a correction) does not end its series.
  const expiryNotice = lastOfSeries(sent, (notice) => notice.kind === 'expiry', (notice) => notice.kind === 'recovery' && notice.stage !== 'error' && notice.stage !== 'invalid' && notice.stageNow === undefined);
  const errorNotice = lastOfSeries(sent, (notice) => notice.kind === 'error' && notice.stage === 'error', (notice) => notice.kind === 'recovery' && notice.stage === 'error');
  const invalidNotice = lastOfSeries(sent, (notice) => notice.kind === 'error' && notice.stage === 'invalid', (notice) => notice.kind === 'recovery' && notice.stage === 'invalid');
  const expiry = beyond(state.expiry.lastNotifiedAt) || beyond(state.expiry.stageEnteredAt)
    ? { ...state.expiry, stage: expiryNotice?.stage ?? null, stageEnteredAt: expiryNotice?.decidedAt ?? null, lastNotifiedAt: expiryNotice?.decidedAt ?? null }
    : state.expiry;
  const keptAck = <Ack extends { readonly at: string } | null | undefined>(ack: Ack): Ack | null => (ack && beyond(ack.at) ? null : ack);
  // An acknowledgement of the stage it goes back to, which the clock ahead cleared when it changed the stage, holds again.
  const { clearedAcknowledgement: cleared, ...kept } = state;
  const clearedAhead = cleared && beyond(cleared.clearedAt) ? cleared.acknowledgement : null;
  const restored = clearedAhead && !beyond(clearedAhead.at) && clearedAhead.stage === expiry.stage ? clearedAhead : null;
  return {
    ...kept,
    ...(cleared && !clearedAhead ? { clearedAcknowledgement: cleared } : {}),
    expiry,
    // One of another stage (the stage ahead, acknowledged by a person meanwhile) applies to none the certificate is in.
    acknowledgement: restored && keptAck(state.acknowledgement)?.stage !== expiry.stage ? restored : keptAck(state.acknowledgement),
    errorAlert: {
      ...state.errorAlert,
      lastNotifiedAt: beyond(state.errorAlert.lastNotifiedAt) ? (errorNotice?.decidedAt ?? null) : state.errorAlert.lastNotifiedAt,
      acknowledgement: keptAck(state.errorAlert.acknowledgement),
    },
    ...(state.invalidAlert
      ? {
          invalidAlert: {
            ...state.invalidAlert,
            lastNotifiedAt: beyond(state.invalidAlert.lastNotifiedAt) ? (invalidNotice?.decidedAt ?? null) : state.invalidAlert.lastNotifiedAt,
            acknowledgement: keptAck(state.invalidAlert.acknowledgement),
          },
        }
      : {}),
    pending: state.pending.filter((notice) => !beyond(notice.decidedAt)).map((notice) => (beyond(notice.claimedAt) ? unclaimed(notice) : notice)),
    sent,
    history: boundedHistory([
      ...state.history.filter((entry) => !beyond(entry.at)),
      {
        at: now.toISOString(),
        event: 'clock-ahead',
        detail: `last checked at ${state.lastCheckedAt}, by a clock ahead of this one: what was decided after ${new Date(horizon).toISOString()} is set aside (${state.sent.length - sent.length} notice(s) sent then among it)`,
      },
    ]),
  };
}

/** What a clock ahead told about a certificate's expiry: the stage of its last expiry notice, and everyone its expiry notices told. */
export interface ExpiryToldAhead {
  readonly stage: string;
  readonly decidedAt: string;
  readonly audiences: readonly string[];
}

/**
 * The expiry notices sent beyond `horizon` (those setAsideTheFuture drops from `sent`): what they told, and whom;
 * null when there were none. Whoever they told a stage the certificate is not in at the run's time is owed a correction.
 */
export function expiryToldAhead(state: WatchState, horizon: number): ExpiryToldAhead | null {
  const ahead = state.sent.filter((notice) => notice.kind === 'expiry' && isBeyond(notice.decidedAt, horizon));
  const last = ahead.at(-1);
  return last ? { stage: last.stage, decidedAt: last.decidedAt, audiences: [...new Set(ahead.flatMap((notice) => notice.audiences))] } : null;
}

function unclaimed(notice: PlannedNotification): PlannedNotification {
  const { claimedAt: _at, claimedUntil: _until, ...rest } = notice;
  return rest;
}

/** The last notice of the current series in `sent` (in order): the last `member` after the last `end`, if any. */
function lastOfSeries(sent: readonly SentNotification[], member: (notice: SentNotification) => boolean, end: (notice: SentNotification) => boolean): SentNotification | undefined {
  for (let index = sent.length - 1; index >= 0; index--) {
    if (end(sent[index])) return undefined;
    if (member(sent[index])) return sent[index];
  }
  return undefined;
}
