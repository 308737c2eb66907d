import { stateShapeProblems } from '../../../functions/core/escalation/state-shape';
import type { WatchState } from '../../../functions/core/watch-state';
import { statesOfALife } from './harness';

// The shape a damaged stored state is told by (run-watch replaces such a state instead of failing at every run).

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
