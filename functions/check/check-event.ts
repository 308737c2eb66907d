import { z } from 'zod';
import { DEFAULT_CHECK_SETTINGS, type CheckRequest, type CheckSettings } from './check-targets';

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);

const targetSchema = z.union([
  z.string(),
  z.strictObject({ target: z.string(), servername: z.string().optional(), caFile: z.string().optional() }),
]);

/** The on-demand check event: the CLI's options under the same names. */
export const checkEventSchema = z
  .strictObject({
    action: z.literal('check').optional(),
    targets: z.array(targetSchema).min(1, 'give at least one target').max(1000),
    options: z
      .strictObject({
        servername: z.string().optional(),
        caFile: z.union([z.string(), z.array(z.string())]).optional(),
        warningDays: wholeNumber(0, 3650).optional(),
        criticalDays: wholeNumber(0, 3650).optional(),
        timeoutMs: wholeNumber(1, 600_000).optional(),
        concurrency: wholeNumber(1, 1000).optional(),
        json: z.boolean().optional(),
      })
      .optional(),
  })
  .refine((event) => (event.options?.criticalDays ?? DEFAULT_CHECK_SETTINGS.criticalDays) <= (event.options?.warningDays ?? DEFAULT_CHECK_SETTINGS.warningDays), {
    message: 'criticalDays must not exceed warningDays',
    path: ['options', 'criticalDays'],
  });

export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** Validates an event; the error names every bad field by its path. */
export function parseCheckEvent(event: unknown): { requests: CheckRequest[]; settings: CheckSettings } {
  const parsed = checkEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidEventError(`invalid check event: ${describeIssues(parsed.error)}`);
  const { targets, options = {} } = parsed.data;
  const caFiles = options.caFile === undefined ? [] : ([] as string[]).concat(options.caFile);
  return {
    requests: targets.map((t) => (typeof t === 'string' ? { target: t } : { target: t.target, servername: t.servername, caFiles: t.caFile ? [t.caFile] : undefined })),
    settings: {
      warningDays: options.warningDays ?? DEFAULT_CHECK_SETTINGS.warningDays,
      criticalDays: options.criticalDays ?? DEFAULT_CHECK_SETTINGS.criticalDays,
      timeoutMs: options.timeoutMs ?? DEFAULT_CHECK_SETTINGS.timeoutMs,
      concurrency: options.concurrency ?? DEFAULT_CHECK_SETTINGS.concurrency,
      servername: options.servername,
      caFiles,
    },
  };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(event)'}: ${issue.message}`).join('; ');
}
