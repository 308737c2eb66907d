import * as z from 'zod';
import { REPORT_INPUT, schemaProblems } from '../schema-problems';
import type { StateListing } from '../ports';
import type { WatchState } from '../watch-state';

// The shape of a stored WatchState, field by field as watch-state.ts declares it: what tells a damaged item (a field
// of the wrong type, an edit by hand, another tool's write) from a bug. A run consults it only once something it
// decided from a stored state has failed (fold.ts is not written against malformed input, and checking every state
// in every run would cost a run of 1,000 targets 30-80 ms): a state of the wrong shape is then replaced, as an
// unreadable item is, or (retiring) reported. Damage the fold takes in its stride is folded on; `status`, the
// deployed digest, `ack` and `forget`, which read states one by one or rarely, check each.
// Loose objects: a field a later version adds is no damage.

const text = z.string();
const maybeText = z.string().nullable();

/** What a served certificate and the known certificate both hold. */
const certificateFields = {
  fingerprintSha256: text,
  subject: text,
  issuer: text,
  sans: z.array(text),
  sanCount: z.number().optional(),
  notBefore: text,
  notAfter: text,
  serialNumber: text,
};
const certificateInfo = z.looseObject({ ...certificateFields, keyAlgorithm: text, keySize: z.number().nullable(), signatureAlgorithm: text, selfIssued: z.boolean() });
const finding = z.looseObject({ code: text, severity: text, message: text });
const knownCertificate = z.looseObject({ ...certificateFields, chain: z.array(certificateInfo), findings: z.array(finding), firstSeenAt: text });
const acknowledgement = z.looseObject({ stage: text, at: text, until: maybeText, note: maybeText, by: maybeText.optional(), fingerprintSha256: maybeText });
const checkError = z.looseObject({ code: text, message: text });
const addressSeen = z.looseObject({ address: text, fingerprintSha256: maybeText, notAfter: maybeText, errorCode: maybeText });
const digestLine = z.looseObject({ certificateId: text, target: text, status: text, acknowledged: z.boolean() });
/** Renderers and the outbox go by a notice's kind: one they do not know fails its publish at every run. */
const kind = z.enum(['expiry', 'recovery', 'error', 'digest']);
const planned = z.looseObject({
  id: text,
  kind,
  stage: text,
  audiences: z.array(text),
  certificateId: text,
  target: text,
  decidedAt: text,
  status: text,
  daysRemaining: z.number().nullable(),
  certificate: knownCertificate.nullable(),
  error: checkError.nullable(),
  consecutiveFailures: z.number(),
  owner: maybeText,
  addresses: z.array(addressSeen).optional(),
  addressCount: z.number().optional(),
  digest: z.array(digestLine).optional(),
  replaced: z.boolean().optional(),
  stageNow: text.optional(),
  corrects: z.looseObject({ stage: text, decidedAt: text }).optional(),
  acknowledgements: z.array(acknowledgement).optional(),
  claimedAt: text.optional(),
  claimedUntil: text.optional(),
});
const sent = z.looseObject({ id: text, kind, stage: text, audiences: z.array(text), decidedAt: text, stageNow: text.optional(), sentAt: text, messageId: maybeText });
const alert = { active: z.boolean(), lastNotifiedAt: maybeText, audiencesTold: z.array(text) };

const watchState = z.looseObject({
  certificateId: text,
  source: text,
  target: text,
  scope: text.optional(),
  retiredAt: text.optional(),
  owner: maybeText,
  tags: z.record(text, text),
  lastCheckedAt: text,
  status: text,
  certificate: knownCertificate.nullable(),
  addresses: z.array(addressSeen).optional(),
  addressCount: z.number().optional(),
  lastError: checkError.nullable(),
  consecutiveFailures: z.number(),
  expiry: z.looseObject({ stage: maybeText, stageEnteredAt: maybeText, lastNotifiedAt: maybeText, audiencesTold: z.array(text) }),
  errorAlert: z.looseObject({ ...alert, acknowledgement: acknowledgement.nullable().optional() }),
  invalidAlert: z.looseObject({ ...alert, acknowledgement: acknowledgement.nullable() }).optional(),
  acknowledgement: acknowledgement.nullable(),
  clearedAcknowledgement: z.looseObject({ acknowledgement, clearedAt: text }).optional(),
  pending: z.array(planned),
  sent: z.array(sent),
  history: z.array(z.looseObject({ at: text, event: text, detail: text })),
  version: z.number().int(),
});

/** What is wrong with a stored state's shape (at most three problems, `field: problem`), or null when nothing is. */
export function stateShapeProblems(state: WatchState): string | null {
  const parsed = watchState.safeParse(state, REPORT_INPUT);
  if (parsed.success) return null;
  // A path may hold a key of any length (tags are free): each problem clipped.
  const problems = schemaProblems(parsed.error.issues, '(state)').map((problem) => (problem.length > 200 ? `${problem.slice(0, 199)}…` : problem));
  return `${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`;
}

/**
 * Why a stored state of the wrong shape is set aside or replaced, as an unreadable item's reason reads; with the error
 * it caused, when it caused one (so that a fault of certwatch's own is not hidden behind it).
 */
export function damagedStateReason(certificateId: string, problems: string, failure?: unknown): string {
  const caused = failure instanceof Error ? ` (reading it failed: ${failure.name}: ${failure.message.slice(0, 200)})` : '';
  return `the stored state of ${certificateId} is not a certwatch state: ${problems}${caused}`;
}

/**
 * A listing as the readers that go through all of it (status, the deployed digest) take it: the states of the right
 * shape, and every item skipped with why (the unreadable ones, and states of the wrong shape), so that one damaged
 * state does not stop the report.
 */
export function readableStates(listing: StateListing): { readonly states: WatchState[]; readonly skipped: { readonly key: string; readonly reason: string }[] } {
  const states: WatchState[] = [];
  const skipped = listing.unreadable.map(({ key, reason }) => ({ key, reason }));
  for (const state of listing.states) {
    const problems = stateShapeProblems(state);
    if (problems === null) states.push(state);
    else skipped.push({ key: String(state.certificateId), reason: damagedStateReason(String(state.certificateId), problems) });
  }
  return { states, skipped };
}
