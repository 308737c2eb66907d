import * as z from 'zod';
import { CHECK_DEFAULTS, CHECK_LIMITS, resolveThresholds, ThresholdsError } from '../core/check-settings';
import { certificateIdForTarget } from '../core/certificate-id';
import { parseDnsServer, type DnsServer } from '../core/dns-server';
import { dnsServerSchema } from '../core/dns-server-schema';
import { ACKNOWLEDGEABLE_ALERTS, type AcknowledgeableAlert } from '../core/escalation/alerts';
import { isoInstant } from '../core/instant';
import { InvalidTargetError } from '../core/target';
import { REPORT_INPUT, schemaProblems } from '../core/schema-problems';
import type { CheckRequest, CheckSettings } from '../use-cases/check-targets';
import { InvalidEventError } from '../lambda/invalid-event-error';

const wholeNumber = ({ min, max }: { min: number; max: number }) => z.number().int().min(min).max(max);

const targetSchema = z.union(
  [z.string(), z.strictObject({ target: z.string(), servername: z.string().optional(), caFile: z.string().optional() })],
  { error: 'must be a target (a string such as "example.com:443") or an object with "target"' },
);

/** The on-demand check event: the CLI's options under the same names. */
export const checkEventSchema = z
  .strictObject({
    action: z.literal('check').optional(),
    targets: z.array(targetSchema).min(1, 'give at least one target').max(1000),
    options: z
      .strictObject({
        servername: z.string().optional(),
        caFile: z.union([z.string(), z.array(z.string())], { error: 'must be a CA file path or a list of them' }).optional(),
        warningDays: wholeNumber(CHECK_LIMITS.days).optional(),
        criticalDays: wholeNumber(CHECK_LIMITS.days).optional(),
        timeoutMs: wholeNumber(CHECK_LIMITS.timeoutMs).optional(),
        concurrency: wholeNumber(CHECK_LIMITS.concurrency).optional(),
        maxAddresses: wholeNumber(CHECK_LIMITS.maxAddresses).optional(),
        firstAddress: z.boolean().optional(),
        dnsServer: z
          .union([z.string(), z.array(z.string())], { error: 'must be a DNS server address or a list of them' })
          .transform((value) => ([] as string[]).concat(value))
          .pipe(z.array(dnsServerSchema).min(CHECK_LIMITS.dnsServers.min).max(CHECK_LIMITS.dnsServers.max))
          .optional(),
        json: z.boolean().optional(),
      })
      .optional(),
  })
  .superRefine((event, ctx) => {
    try {
      resolveThresholds(event.options ?? {});
    } catch (error) {
      if (!(error instanceof ThresholdsError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['options', 'criticalDays'], message: 'criticalDays must not exceed warningDays' });
    }
  })
  .refine((event) => !(event.options?.firstAddress && event.options.maxAddresses !== undefined), {
    message: 'firstAddress probes one address: leave out maxAddresses',
    path: ['options', 'firstAddress'],
  });


/**
 * `{ "action": "ack", "certificateId": "tls:host:443", "alert"?: "expiry" | "error" | "invalid", "until"?: ISO,
 * "note"?: text, "by"?: who }`, or `"target"` (as in the config) with an optional `"servername"` instead of
 * `"certificateId"`.
 */
export const ackEventSchema = z
  .strictObject({
    action: z.literal('ack'),
    certificateId: z.string().min(1).optional(),
    target: z.string().min(1).optional(),
    servername: z.string().min(1).optional(),
    alert: z.enum(ACKNOWLEDGEABLE_ALERTS).optional(),
    until: isoInstant.optional(),
    note: z.string().max(1000).optional(),
    by: z.string().max(200).optional(),
  })
  .superRefine(oneCertificate);

/** `{ "action": "forget", "certificateId" }`, or `"target"` with an optional `"servername"`, as for ack. */
export const forgetEventSchema = z
  .strictObject({
    action: z.literal('forget'),
    certificateId: z.string().min(1).optional(),
    target: z.string().min(1).optional(),
    servername: z.string().min(1).optional(),
  })
  .superRefine(oneCertificate);

/** An event names one certificate: by its id, or by a target (and servername) as in the config. */
function oneCertificate(event: { certificateId?: string; target?: string; servername?: string }, ctx: z.RefinementCtx): void {
  if ((event.certificateId === undefined) === (event.target === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['certificateId'], message: 'give either certificateId, or target (with an optional servername)' });
  } else if (event.servername !== undefined && event.target === undefined) {
    ctx.addIssue({ code: 'custom', path: ['servername'], message: 'goes with target (a certificateId already holds its servername)' });
  } else if (event.target !== undefined) {
    try {
      certificateIdForTarget(event.target, event.servername);
    } catch (error) {
      if (!(error instanceof InvalidTargetError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['target'], message: error.message });
    }
  }
}

/** `{ "action": "status" }`: every watched certificate, soonest expiry first. */
export const statusEventSchema = z.strictObject({ action: z.literal('status') });

export type OnDemandRequest =
  | { readonly action: 'check'; readonly requests: CheckRequest[]; readonly settings: CheckSettings; readonly dnsServers: readonly DnsServer[] }
  | { readonly action: 'ack'; readonly certificateId: string; readonly alert?: AcknowledgeableAlert; readonly until?: Date; readonly note?: string; readonly by?: string }
  | { readonly action: 'forget'; readonly certificateId: string }
  | { readonly action: 'status' };

export { InvalidEventError };

/** Validates an on-demand event of any action (`check` when none is named); errors name every bad field. */
export function parseOnDemandEvent(event: unknown): OnDemandRequest {
  const action = typeof event === 'object' && event !== null && 'action' in event ? (event as { action: unknown }).action : 'check';
  if (action === 'check') return { action: 'check', ...parseCheckEvent(event) };
  if (action === 'ack') {
    const parsed = ackEventSchema.safeParse(event, REPORT_INPUT);
    if (!parsed.success) throw new InvalidEventError(`invalid ack event: ${describeIssues(parsed.error)}`);
    const { alert, until, note, by } = parsed.data;
    const certificateId = parsed.data.certificateId ?? certificateIdForTarget(parsed.data.target!, parsed.data.servername);
    return { action: 'ack', certificateId, alert, until: until ? new Date(until) : undefined, note, by };
  }
  if (action === 'forget') {
    const parsed = forgetEventSchema.safeParse(event, REPORT_INPUT);
    if (!parsed.success) throw new InvalidEventError(`invalid forget event: ${describeIssues(parsed.error)}`);
    return { action: 'forget', certificateId: parsed.data.certificateId ?? certificateIdForTarget(parsed.data.target!, parsed.data.servername) };
  }
  if (action === 'status') {
    const parsed = statusEventSchema.safeParse(event, REPORT_INPUT);
    if (!parsed.success) throw new InvalidEventError(`invalid status event: ${describeIssues(parsed.error)}`);
    return { action: 'status' };
  }
  throw new InvalidEventError(`invalid event: action must be "check", "ack", "forget" or "status" (got ${JSON.stringify(action)})`);
}

/** Validates a check event; the error names every bad field by its path. */
export function parseCheckEvent(event: unknown): { requests: CheckRequest[]; settings: CheckSettings; dnsServers: DnsServer[] } {
  const parsed = checkEventSchema.safeParse(event, REPORT_INPUT);
  if (!parsed.success) throw new InvalidEventError(`invalid check event: ${describeIssues(parsed.error)}`);
  const { targets, options = {} } = parsed.data;
  const caFiles = options.caFile === undefined ? [] : ([] as string[]).concat(options.caFile);
  return {
    requests: targets.map((t) => (typeof t === 'string' ? { target: t } : { target: t.target, servername: t.servername, caFiles: t.caFile ? [t.caFile] : undefined })),
    settings: {
      ...resolveThresholds(options),
      timeoutMs: options.timeoutMs ?? CHECK_DEFAULTS.timeoutMs,
      concurrency: options.concurrency ?? CHECK_DEFAULTS.concurrency,
      maxAddresses: options.maxAddresses ?? CHECK_DEFAULTS.maxAddresses,
      firstAddress: options.firstAddress,
      servername: options.servername,
      caFiles,
    },
    dnsServers: (options.dnsServer ?? []).map(parseDnsServer),
  };
}

export function describeIssues(error: z.ZodError): string {
  return schemaProblems(error.issues, '(event)').join('; ');
}
