// Stored states fuzzed against the fold (what every run does with each stored state): states of a certificate's life
// (notices pending and sent, a failing probe, a rejected certificate, a pool of addresses), edited at random as a
// person or another tool might (fields dropped, swapped for hostile values of any type, keys added), parsed from
// JSON as the store hands them over, then folded with an observation. What may happen: the fold takes it, or the
// state is of the wrong shape (state-shape.ts names the field), which the run replaces as an unreadable item. A fold
// that throws on a state the shape check passes is a bug: that state would fail the run's write at every run. Run
// by test/fuzz/run.ts (`npm run fuzz`): count x 5 edits.
import { foldObservation } from '../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../functions/core/escalation/policy';
import { stateShapeProblems } from '../../functions/core/escalation/state-shape';
import type { WatchState } from '../../functions/core/watch-state';
import { at, serveLong, statesOfALife, TARGET, unreachable } from '../core/escalation/harness';
import { counted, type Fuzz, jsonEditor, seededRandom } from './fuzzing';

export const fuzzStates: Fuzz = async ({ count, seed, report }) => {
  const rng = seededRandom(seed);
  const edited = jsonEditor(rng, ['expiry', 'sent', 'pending', 'history', 'errorAlert', 'invalidAlert', 'addresses', 'x']);
  const states = statesOfALife();
  const bugs = new Map<string, number>();
  let folded = 0;
  let wrongShape = 0;
  for (let i = 0; i < count * 5; i++) {
    const state = JSON.parse(JSON.stringify(edited(rng.pick(states)))) as WatchState;
    // What itemToState refuses outright (no whole-number version, status or expiry) never reaches a fold.
    if (!Number.isInteger(state.version) || typeof state.status !== 'string' || typeof state.expiry !== 'object' || state.expiry === null) continue;
    const now = at(403);
    try {
      foldObservation(state, { ...TARGET, result: rng.random() < 0.5 ? serveLong(now) : unreachable() }, DEFAULT_POLICY, now);
      folded++;
    } catch (error) {
      const problems = state.certificateId !== TARGET.certificateId ? 'another certificate' : stateShapeProblems(state);
      if (problems !== null) wrongShape++;
      else counted(bugs, `the fold threw on a state of the right shape: ${(error as Error).name} ${(error as Error).message}`);
    }
  }
  report(`edited states folded: ${folded}, of the wrong shape (replaced by a run): ${wrongShape}`);
  return bugs;
};
