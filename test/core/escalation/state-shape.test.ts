import { stateShapeProblems } from '../../../functions/core/escalation/state-shape';
import type { WatchState } from '../../../functions/core/watch-state';
import { ADDRESS, at, currentState, misnamed, pool, serveLong, serveMisnamed, unreachable, Watcher } from './harness';

// The shape a damaged stored state is told by (run-watch replaces such a state instead of failing at every run).

/** Every state a watcher leaves over a certificate's life: stages, notices, failures, a rejected certificate, a pool. */
function statesOfALife(): WatchState[] {
  const watcher = new Watcher();
  const states: WatchState[] = [];
  const step = (now: Date, result: Parameters<Watcher['run']>[1], snsUp = true) => {
    watcher.run(now, result, { snsUp });
    states.push(currentState(watcher));
  };
  for (let day = 350; day < 400; day += 3) step(at(day), serveLong(at(day)), day % 2 === 0);
  for (let hour = 0; hour < 6; hour++) step(at(400, hour), unreachable());
  step(at(401), serveMisnamed(at(401)));
  step(at(402), pool(at(402), [{ address: ADDRESS, chain: [misnamed] }, { address: '192.0.2.11', error: 'TIMEOUT' }]));
  step(at(403), serveLong(at(403)));
  return states;
}

test('every state the engine writes has the shape', () => {
  const states = statesOfALife();
  // The life holds what a state can: undelivered and sent notices, a failing probe, a rejected certificate, a pool.
  expect(states.some((state) => state.pending.length > 0)).toBe(true);
  expect(states.some((state) => state.sent.length > 0)).toBe(true);
  expect(states.some((state) => state.lastError !== null)).toBe(true);
  expect(states.some((state) => state.invalidAlert?.active)).toBe(true);
  expect(states.some((state) => (state.addresses?.length ?? 0) > 1)).toBe(true);
  expect(states.map(stateShapeProblems).filter((problem) => problem !== null)).toEqual([]);
  // a field a later version adds is no damage
  expect(stateShapeProblems({ ...states[0], addedLater: { anything: true } } as WatchState)).toBeNull();
});

test.each<[string, (state: WatchState) => unknown, string]>([
  ['pending not a list', (state) => ({ ...state, pending: 'none' }), 'pending: Invalid input: expected array, received string'],
  ['history missing', (state) => ({ ...state, history: undefined }), 'history: is required'],
  ['an expiry without its fields', (state) => ({ ...state, expiry: {} }), 'expiry.stage: is required; expiry.stageEnteredAt: is required; expiry.lastNotifiedAt: is required (and 1 more)'],
  ['a sent notice of the wrong type', (state) => ({ ...state, sent: [{ ...state.sent[0], audiences: 'owners' }] }), 'sent.0.audiences: Invalid input: expected array, received string'],
  ['a chain certificate without dates', (state) => ({ ...state, certificate: { ...state.certificate, chain: [{ subject: 'CN=x' }] } }), 'certificate.chain.0.fingerprintSha256: is required'],
])('%s: named, field by field', (_label, damage, problem) => {
  const state = statesOfALife().find((candidate) => candidate.sent.length > 0 && candidate.certificate !== null)!;
  expect(stateShapeProblems(damage(state) as WatchState)).toContain(problem);
});
