import { RunOutcomes, type TargetOutcome } from '../../functions/use-cases/run-outcomes';
import { DEFAULT_POLICY } from '../../functions/core/escalation/policy';

// Tier 1: what a run keeps of its outcomes until the summary, and the backlog that holds its probing back.

const settings = { config: { policy: DEFAULT_POLICY, digest: null }, now: new Date('2026-06-01T00:00:00Z'), keepStates: false };
const quiet: TargetOutcome = { sent: 0, publishFailures: [] };

/** An outcome that settles when the test says. */
function pending(): { readonly outcome: Promise<TargetOutcome[]>; readonly settle: () => void } {
  let settle!: () => void;
  const outcome = new Promise<TargetOutcome[]>((resolve) => (settle = () => resolve([quiet])));
  return { outcome, settle };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the fold backlog', () => {
  test('at or under its limit there is nothing to wait for; over it, the wait ends once enough outcomes have settled', async () => {
    const outcomes = new RunOutcomes(settings);
    const folds = [pending(), pending(), pending()];
    folds.slice(0, 2).forEach((fold, index) => outcomes.settling('probed', index, fold.outcome));
    expect(outcomes.backlog(2, new AbortController().signal)).toBeUndefined();

    outcomes.settling('probed', 2, folds[2].outcome);
    let waited = false;
    void outcomes.backlog(2, new AbortController().signal)?.then(() => (waited = true));
    await tick();
    expect(waited).toBe(false);
    folds[0].settle();
    await tick();
    expect(waited).toBe(true);
  });

  test('a stopped run waits for no backlog', async () => {
    const outcomes = new RunOutcomes(settings);
    [pending(), pending()].forEach((fold, index) => outcomes.settling('probed', index, fold.outcome));
    const stop = new AbortController();
    const waiting = outcomes.backlog(1, stop.signal);
    expect(waiting).toBeInstanceOf(Promise);
    stop.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(outcomes.backlog(1, stop.signal)).toBeUndefined();
  });
});

test('an outcome that fails to settle fails settled(), after the others are recorded', async () => {
  const outcomes = new RunOutcomes(settings);
  outcomes.settling('probed', 0, Promise.resolve([{ ...quiet, sent: 2 }]));
  outcomes.settling('probed', 1, Promise.reject(new Error('a fold threw')));
  await expect(outcomes.settled()).rejects.toThrow('a fold threw');
  expect(outcomes.sent).toBe(2);
});
