import * as z from 'zod';
import { certificateIdForTarget } from './certificate-id';
import { cloudSources, EXTERNAL_ID_PATTERN, REGION_PATTERN, ROLE_ARN_PATTERN, type AwsRole, type CloudSources } from './cloud-scope';
import { filePathOf, isFileTarget } from './file-target';
import { CHECK_DEFAULTS, CHECK_LIMITS, DEPLOYED_PROBES_PER_WORKER, MAX_PROBES_PER_WORKER, resolveThresholds, ThresholdsError, type Thresholds } from './check-settings';
import { DNS_SERVER_FORMS, formatDnsServer, parseDnsServer, type DnsServer } from './dns-server';
import { dnsServerSchema } from './dns-server-schema';
import { parseDuration } from './duration';
import { DEFAULT_LIFETIME_CAP, DEFAULT_POLICY, type EscalationPolicy, type Stage } from './escalation/policy';
import { DAY_MS } from './duration';
import { parseScheduleExpression, rateExpressionFor, ScheduleExpressionError, type ScheduleExpression } from './schedule-expression';
import { REPORT_INPUT, schemaProblems } from './schema-problems';
import { InvalidTargetError } from './target';

// certwatch.config.json: one file for the local run and the CDK app. Validated on load; every error
// names the field. Phone numbers and addresses are validated but never echoed in messages.

const duration = z.string().refine(
  (text) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a duration such as 30m, 6h, 7d' },
);

/** A schedule expression, whose longest gap between runs is at most `maxGap` when given (with why, for the message). */
const scheduleExpression = (maxGap?: { readonly ms: number; readonly message: string }) =>
  z.string().superRefine((text, ctx) => {
    let longestGapMs: number;
    try {
      ({ longestGapMs } = parseScheduleExpression(text));
    } catch (error) {
      if (!(error instanceof ScheduleExpressionError)) throw error;
      return ctx.addIssue({ code: 'custom', message: error.message });
    }
    if (maxGap && longestGapMs > maxGap.ms) ctx.addIssue({ code: 'custom', message: maxGap.message });
  });

/** Probing every hour: a certificate's stages are days apart, and an hourly run tells oncall within the hour. */
export const DEFAULT_PROBE_SCHEDULE = 'rate(1 hour)';

const awsId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `must be an id such as ${prefix}-0123456789abcdef0`);

const tags = z.union([z.record(z.string(), z.string()), z.array(z.string())], { error: 'must be a list of tags or an object of tag names to values' });

const targetEntry = z.union(
  [
    z.string().min(1),
    z.strictObject({
      target: z.string().min(1),
      servername: z.string().optional(),
      caFile: z.string().optional(),
      owner: z.string().optional(),
      tags: tags.optional(),
    }),
  ],
  { error: 'must be a target (a string such as "example.com", "smtp://mail.example.com:587" or "file://cert.pem") or an object with "target"' },
);

/**
 * Names notifications use for probe failures, certificates clients reject and digests: a stage with one would be
 * mistaken for them (its recovery would share their ids and wording).
 */
const RESERVED_STAGE_NAMES = ['error', 'invalid', 'disappeared', 'digest'];
const RESERVED_LIST = `${RESERVED_STAGE_NAMES.slice(0, -1).map((name) => `"${name}"`).join(', ')} and "${RESERVED_STAGE_NAMES.at(-1)}"`;

const stageSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes')
      .refine((name) => !RESERVED_STAGE_NAMES.includes(name), {
        message: `${RESERVED_LIST} are reserved (they name probe-failure alerts, invalid-certificate alerts, disappeared ACM and IAM certificates and digests): choose another stage name`,
      })
      .describe(`Stage name, used in notifications and \`certwatch status\`. ${RESERVED_LIST} are reserved.`),
    daysBefore: z.number().min(CHECK_LIMITS.days.min).max(CHECK_LIMITS.days.max).optional(),
    lifetimeFraction: z.number().gt(0).lt(1).optional(),
    notify: z.array(z.string()).min(1, 'name at least one audience'),
    repeatEvery: duration,
  })
  .refine((stage) => (stage.daysBefore === undefined) !== (stage.lifetimeFraction === undefined), {
    message: 'set exactly one of daysBefore and lifetimeFraction',
  });

const audienceSchema = z.strictObject({
  emails: z.array(z.email({ message: 'must be an email address' })).default([]),
  sms: z.array(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form (+15551234567)')).default([]),
});

const regionName = z.string().regex(REGION_PATTERN, 'must be a region name such as eu-west-1');

const acmSchema = z.strictObject({
  regions: z
    .array(regionName)
    .optional()
    .describe("ACM regions listed with the default credentials. Absent: the SDK's region (AWS_REGION); []: none, only the roles' accounts."),
  roles: z
    .array(
      z.strictObject({
        roleArn: z.string().regex(ROLE_ARN_PATTERN, 'must be an IAM role ARN such as arn:aws:iam::111122223333:role/certwatch-reader'),
        regions: z.array(regionName).min(1).optional().describe('Regions listed in this account. Default: acm.regions, else the SDK\'s region.'),
        externalId: z.string().regex(EXTERNAL_ID_PATTERN, 'must be 2-1224 letters, digits or +=,.@:/-').optional(),
      }),
    )
    .default([])
    .describe('Other accounts, each reached by assuming a role with STS from the default credentials.'),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    targets: z
      .array(targetEntry)
      .default([])
      .describe('Endpoints to probe (as for certwatch check), and certificate files (file://PATH) for a local watcher.'),
    acm: acmSchema.optional().describe('Watch ACM certificates (every key type) in these regions and accounts.'),
    iam: z.boolean().optional().describe("Watch IAM server certificates, in the default credentials' account and each of acm.roles."),
    check: z
      .strictObject({
        warningDays: z
          .number()
          .int()
          .min(CHECK_LIMITS.days.min)
          .max(CHECK_LIMITS.days.max)
          .optional()
          .describe(`Warning when fewer days remain. Default ${CHECK_DEFAULTS.warningDays}, or criticalDays when that is higher.`),
        criticalDays: z.number().int().min(CHECK_LIMITS.days.min).max(CHECK_LIMITS.days.max).default(CHECK_DEFAULTS.criticalDays),
        timeoutMs: z.number().int().min(CHECK_LIMITS.timeoutMs.min).max(CHECK_LIMITS.timeoutMs.max).default(CHECK_DEFAULTS.timeoutMs),
        concurrency: z
          .number()
          .int()
          .min(CHECK_LIMITS.concurrency.min)
          .max(CHECK_LIMITS.concurrency.max)
          .optional()
          .describe(
            `Handshakes at once (each address behind a name is one). Default ${CHECK_DEFAULTS.concurrency}; in the AWS deployment, ${DEPLOYED_PROBES_PER_WORKER} in each probe worker (at most ${MAX_PROBES_PER_WORKER}).`,
          ),
        maxAddresses: z
          .number()
          .int()
          .min(CHECK_LIMITS.maxAddresses.min)
          .max(CHECK_LIMITS.maxAddresses.max)
          .default(CHECK_DEFAULTS.maxAddresses)
          .describe('Addresses probed behind each name (A and AAAA records); the rest are counted in an ADDRESSES_NOT_PROBED finding.'),
        dnsServers: z
          .array(dnsServerSchema)
          .min(CHECK_LIMITS.dnsServers.min)
          .max(CHECK_LIMITS.dnsServers.max)
          .optional()
          .describe(`DNS servers to resolve names with, tried in order (${DNS_SERVER_FORMS}); default: the system's resolver.`),
        caFile: z.string().optional(),
      })
      .default({ criticalDays: CHECK_DEFAULTS.criticalDays, timeoutMs: CHECK_DEFAULTS.timeoutMs, maxAddresses: CHECK_DEFAULTS.maxAddresses }),
    audiences: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'audience names are lower-case letters, digits and dashes'), audienceSchema).default({}),
    policy: z
      .strictObject({
        stages: z.array(stageSchema).min(1).optional(),
        errorAfterFailures: z.number().int().min(1).max(1000).optional(),
        errorNotify: z
          .array(z.string())
          .min(1)
          .optional()
          .describe('Audiences told about probe failures. Default: the first stage\'s audiences (["owners"] with the default stages).'),
        errorRepeatEvery: duration.optional(),
        lifetimeCap: z
          .number()
          .gt(0)
          .max(1)
          .optional()
          .describe(
            `Caps every daysBefore threshold at this fraction of the certificate's lifetime (leaf notAfter - notBefore), so short-lived certificates are not alerted about before their renewal is due. A number in (0, 1]; 1 turns the cap off. Default ${DEFAULT_LIFETIME_CAP}.`,
          ),
      })
      .default({}),
    digest: z.strictObject({ notify: z.array(z.string()).min(1), every: duration.default('1d') }).optional(),
    schedule: z
      .strictObject({
        probe: scheduleExpression({ ms: DAY_MS, message: "must run at least once a day (the dead-man's switch alarms after two schedule periods)" })
          .default(DEFAULT_PROBE_SCHEDULE)
          .describe('AWS deployment: when the targets are probed, an EventBridge Scheduler rate or cron expression (UTC). Default rate(1 hour).'),
        digest: scheduleExpression().optional().describe('AWS deployment: when the digest is sent. Default: a rate of digest.every.'),
      })
      .default({ probe: DEFAULT_PROBE_SCHEDULE }),
    alarms: z
      .strictObject({ notify: z.array(z.string()).min(1).describe("Audiences told about the watcher's own alarms (errors, dead letters, the dead-man's switch).") })
      .optional()
      .describe('AWS deployment: who hears about the watcher\'s own alarms. Default: oncall if defined, else policy.errorNotify.'),
    vpc: z
      .strictObject({ subnetIds: z.array(awsId('subnet')).min(1), securityGroupIds: z.array(awsId('sg')).min(1) })
      .optional()
      .describe('AWS deployment: run the probing functions in these subnets (internal endpoints, private CAs).'),
    dashboard: z
      .boolean()
      .default(true)
      .describe("AWS deployment: the CloudWatch dashboard ($3 a month beyond an account's first three); false leaves it out, and the metrics, alarms and logs stay."),
    sns: z.strictObject({ topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN') }).optional(),
  })
  .superRefine((config, ctx) => {
    const known = Object.keys(config.audiences);
    const check = (names: readonly string[], path: (string | number)[]) =>
      names.forEach((name, index) => {
        if (!known.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [...path, index], message: `unknown audience "${name}" (define it under "audiences"; known: ${known.join(', ') || 'none'})` });
        }
      });
    if (config.policy.stages) {
      config.policy.stages.forEach((stage, i) => check(stage.notify, ['policy', 'stages', i, 'notify']));
    } else {
      // The default policy is not in the user's file: name the audiences it needs, once each.
      const needed = [...new Set([...DEFAULT_POLICY.stages.flatMap((stage) => stage.notify), ...DEFAULT_POLICY.errorNotify])];
      for (const name of needed.filter((n) => !known.includes(n))) {
        const stages = DEFAULT_POLICY.stages.filter((stage) => stage.notify.includes(name)).map((stage) => stage.name);
        ctx.addIssue({ code: 'custom', path: ['audiences'], message: `the default policy notifies "${name}" (stages ${stages.join(', ')}): define it, or set policy.stages` });
      }
    }
    // The effective errorNotify: given, or the first stage's audiences (checked above as that stage's), or the
    // default policy's (named above with the default stages).
    if (config.policy.errorNotify) check(config.policy.errorNotify, ['policy', 'errorNotify']);
    if (config.digest) check(config.digest.notify, ['digest', 'notify']);
    if (config.alarms) check(config.alarms.notify, ['alarms', 'notify']);
    if (config.schedule.digest !== undefined && !config.digest) {
      ctx.addIssue({ code: 'custom', path: ['schedule', 'digest'], message: 'there is no digest to schedule: add a "digest" section, or remove this' });
    }
    const names = new Set<string>();
    (config.policy.stages ?? []).forEach((stage, i) => {
      if (names.has(stage.name)) ctx.addIssue({ code: 'custom', path: ['policy', 'stages', i, 'name'], message: `duplicate stage name "${stage.name}"` });
      names.add(stage.name);
    });
    try {
      resolveThresholds(config.check);
    } catch (error) {
      if (!(error instanceof ThresholdsError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['check', 'criticalDays'], message: 'must not exceed check.warningDays' });
    }
    if (config.targets.length === 0 && !config.acm && !config.iam) ctx.addIssue({ code: 'custom', path: ['targets'], message: 'watch at least one target (or acm, or iam)' });
    config.targets.forEach((entry, index) => {
      const target = typeof entry === 'string' ? entry : entry.target;
      if (!isFileTarget(target)) return;
      try {
        filePathOf(target);
      } catch (error) {
        if (!(error instanceof InvalidTargetError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['targets', index], message: error.message });
      }
      if (typeof entry !== 'string' && entry.servername !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['targets', index, 'servername'], message: 'a certificate file has no servername' });
      }
    });
    checkDistinctCertificates(config.targets, ctx);
  });

/**
 * Two entries naming one certificate (`a.example` and `https://a.example`) would share one state item and alert
 * twice per change. Targets that do not parse are left to the run, which reports each of them.
 */
function checkDistinctCertificates(targets: readonly z.output<typeof targetEntry>[], ctx: z.RefinementCtx): void {
  const firstIndex = new Map<string, number>();
  targets.forEach((entry, index) => {
    const target = typeof entry === 'string' ? entry : entry.target;
    let certificateId: string;
    try {
      certificateId = isFileTarget(target) ? `file:${filePathOf(target)}` : certificateIdForTarget(target, typeof entry === 'string' ? undefined : entry.servername);
    } catch (error) {
      if (error instanceof InvalidTargetError) return;
      throw error;
    }
    const first = firstIndex.get(certificateId);
    if (first === undefined) firstIndex.set(certificateId, index);
    else ctx.addIssue({ code: 'custom', path: ['targets', index], message: `same certificate as targets.${first} (${certificateId})` });
  });
}

export type ConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;

export interface WatchedTarget {
  readonly target: string;
  /** Where a file target is read, when not where it says (a relative path is relative to the config's directory). */
  readonly filePath?: string;
  readonly servername?: string;
  readonly caFiles: readonly string[];
  readonly owner: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface CertwatchConfig {
  readonly targets: readonly WatchedTarget[];
  /** `dnsServers`: none when the system's resolver is used. */
  readonly check: Omit<ParsedConfig['check'], 'dnsServers' | 'concurrency'> &
    Thresholds & {
      readonly dnsServers: readonly DnsServer[];
      /** Handshakes at once: as given, else CHECK_DEFAULTS.concurrency. */
      readonly concurrency: number;
      /** `check.concurrency` as the config gives it; null: each watcher's own default (the deployment's is higher). */
      readonly givenConcurrency: number | null;
    };
  readonly audiences: ParsedConfig['audiences'];
  readonly policy: EscalationPolicy;
  readonly digest: { readonly notify: readonly string[]; readonly everyMs: number } | null;
  readonly snsTopicArn: string | null;
  /** When the AWS deployment probes and sends the digest (null: no digest configured). */
  readonly schedule: { readonly probe: ScheduleExpression; readonly digest: ScheduleExpression | null };
  /** Audiences the AWS deployment's own alarms reach. */
  readonly alarmNotify: readonly string[];
  /** Subnets and security groups of the probing functions in AWS; null: outside any VPC. */
  readonly vpc: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] } | null;
  /** Whether the AWS deployment builds its CloudWatch dashboard. */
  readonly dashboard: boolean;
  /** ACM and IAM scopes to watch (both empty when the config has neither `acm` nor `iam`). */
  readonly cloud: CloudSources;
}

export interface ConfigLoadOptions {
  /**
   * `refuse` for a watcher that has no file system to watch (the Lambda): every `file://` target is a configuration
   * mistake naming its field. @default 'allow'
   */
  readonly fileTargets?: 'allow' | 'refuse';
}

/** Problems a message lists by name; the rest are counted (10,000 duplicate targets must not print 10,000 lines). */
export const CONFIG_PROBLEMS_SHOWN = 10;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    /** Every problem found; the message names the first CONFIG_PROBLEMS_SHOWN. */
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${listed(problems).join('\n  - ')}`}`);
    this.name = 'ConfigError';
  }
}

function listed(problems: readonly string[]): string[] {
  if (problems.length <= CONFIG_PROBLEMS_SHOWN) return [...problems];
  const more = problems.length - CONFIG_PROBLEMS_SHOWN;
  return [...problems.slice(0, CONFIG_PROBLEMS_SHOWN), `... and ${more} more problem${more === 1 ? '' : 's'} of this config`];
}

/** Validates parsed JSON as a certwatch config; throws ConfigError naming every bad field. Pure. */
export function parseConfig(json: unknown, source = 'config', options: ConfigLoadOptions = {}): CertwatchConfig {
  const parsed = configSchema.safeParse(json, REPORT_INPUT);
  const problems = parsed.success ? [] : schemaProblems(parsed.error.issues, '(top level)');
  if (parsed.success && options.fileTargets === 'refuse') problems.push(...refusedFileTargets(parsed.data.targets));
  if (!parsed.success || problems.length > 0) throw new ConfigError(source, problems);
  const config = parsed.data;
  const policy = toPolicy(config.policy);
  return {
    targets: config.targets.map((entry) => normaliseTarget(entry, config.check.caFile)),
    check: {
      ...config.check,
      ...resolveThresholds(config.check),
      concurrency: config.check.concurrency ?? CHECK_DEFAULTS.concurrency,
      givenConcurrency: config.check.concurrency ?? null,
      dnsServers: (config.check.dnsServers ?? []).map(parseDnsServer),
    },
    audiences: config.audiences,
    policy,
    digest: config.digest ? { notify: config.digest.notify, everyMs: parseDuration(config.digest.every) } : null,
    snsTopicArn: config.sns?.topicArn ?? null,
    schedule: {
      probe: parseScheduleExpression(config.schedule.probe),
      digest: config.digest ? parseScheduleExpression(config.schedule.digest ?? rateExpressionFor(parseDuration(config.digest.every))) : null,
    },
    alarmNotify: config.alarms?.notify ?? ('oncall' in config.audiences ? ['oncall'] : policy.errorNotify),
    vpc: config.vpc ?? null,
    dashboard: config.dashboard,
    cloud: cloudSources({
      regions: config.acm?.regions ?? [],
      roles: config.acm?.roles ?? [],
      ownAccount: config.acm?.regions === undefined || config.acm.regions.length > 0,
      acm: config.acm !== undefined,
      iam: config.iam ?? false,
    }),
  };
}

/** For a watcher without a file system (the Lambda): each file target, named by its field. */
function refusedFileTargets(targets: ParsedConfig['targets']): string[] {
  return targets.flatMap((entry, index) => {
    const target = typeof entry === 'string' ? entry : entry.target;
    return isFileTarget(target)
      ? [`targets.${index}: certificate files cannot be watched here (no file system to watch in Lambda): check them where they are built, with certwatch check --files`]
      : [];
  });
}

function normaliseTarget(entry: ParsedConfig['targets'][number], sharedCaFile: string | undefined): WatchedTarget {
  const caFiles = sharedCaFile ? [sharedCaFile] : [];
  if (typeof entry === 'string') return { target: entry, caFiles, owner: null, tags: {} };
  return {
    target: entry.target,
    servername: entry.servername,
    caFiles: entry.caFile ? [...caFiles, entry.caFile] : caFiles,
    owner: entry.owner ?? null,
    tags: Array.isArray(entry.tags) ? Object.fromEntries(entry.tags.map((tag) => [tag, ''])) : (entry.tags ?? {}),
  };
}

function toPolicy(policy: ParsedConfig['policy']): EscalationPolicy {
  const stages: Stage[] | undefined = policy.stages?.map((stage) => ({
    name: stage.name,
    ...(stage.daysBefore !== undefined ? { daysBefore: stage.daysBefore } : {}),
    ...(stage.lifetimeFraction !== undefined ? { lifetimeFraction: stage.lifetimeFraction } : {}),
    notify: stage.notify,
    repeatEveryMs: parseDuration(stage.repeatEvery),
  }));
  return {
    ...DEFAULT_POLICY,
    ...(stages ? { stages } : {}),
    ...(policy.errorAfterFailures !== undefined ? { errorAfterFailures: policy.errorAfterFailures } : {}),
    errorNotify: policy.errorNotify ?? stages?.[0].notify ?? DEFAULT_POLICY.errorNotify,
    ...(policy.errorRepeatEvery ? { errorRepeatEveryMs: parseDuration(policy.errorRepeatEvery) } : {}),
    ...(policy.lifetimeCap !== undefined ? { lifetimeCap: policy.lifetimeCap } : {}),
  };
}

/** One entry of `targets` as the config file writes it. */
export type TargetEntry = NonNullable<ConfigInput['targets']>[number];

/**
 * The config file that parses to `config` (parseConfig(configInputFor(c)) equals c): how a validated config travels
 * to where it is parsed again, such as a deployed function. Durations are written in seconds; audiences keep their
 * names and lose their addresses unless `withContacts`.
 */
export function configInputFor(config: CertwatchConfig, options: { readonly withContacts?: boolean } = {}): ConfigInput {
  const seconds = (ms: number) => `${ms / 1000}s`;
  const shared = config.check.caFile;
  const { policy } = config;
  const { givenConcurrency, concurrency: _effective, ...check } = config.check;
  return {
    targets: config.targets.map((watched) => targetEntryFor(watched, shared)),
    check: {
      ...check,
      ...(givenConcurrency !== null ? { concurrency: givenConcurrency } : {}),
      dnsServers: config.check.dnsServers.length > 0 ? config.check.dnsServers.map(formatDnsServer) : undefined,
    },
    audiences: Object.fromEntries(Object.entries(config.audiences).map(([name, contacts]) => [name, options.withContacts ? contacts : {}])),
    policy: {
      stages: policy.stages.map((stage) => ({
        name: stage.name,
        ...(stage.daysBefore !== undefined ? { daysBefore: stage.daysBefore } : {}),
        ...(stage.lifetimeFraction !== undefined ? { lifetimeFraction: stage.lifetimeFraction } : {}),
        notify: [...stage.notify],
        repeatEvery: seconds(stage.repeatEveryMs),
      })),
      errorAfterFailures: policy.errorAfterFailures,
      errorNotify: [...policy.errorNotify],
      errorRepeatEvery: seconds(policy.errorRepeatEveryMs),
      ...(policy.lifetimeCap !== undefined ? { lifetimeCap: policy.lifetimeCap } : {}),
    },
    ...(config.digest ? { digest: { notify: [...config.digest.notify], every: seconds(config.digest.everyMs) } } : {}),
    ...(config.snsTopicArn ? { sns: { topicArn: config.snsTopicArn } } : {}),
    schedule: { probe: config.schedule.probe.expression, ...(config.schedule.digest ? { digest: config.schedule.digest.expression } : {}) },
    alarms: { notify: [...config.alarmNotify] },
    ...(config.vpc ? { vpc: { subnetIds: [...config.vpc.subnetIds], securityGroupIds: [...config.vpc.securityGroupIds] } } : {}),
    dashboard: config.dashboard,
    ...cloudInputFor(config.cloud),
  };
}

/** The `acm` and `iam` keys that give `cloud`'s scopes. */
function cloudInputFor(cloud: CloudSources): Pick<ConfigInput, 'acm' | 'iam'> {
  const input: Pick<ConfigInput, 'acm' | 'iam'> = cloud.iam.length > 0 ? { iam: true } : {};
  if (cloud.acm.length === 0) return input;
  const own = cloud.acm.filter((scope) => scope.role === null).map((scope) => scope.region);
  const roles = new Map<string, { readonly role: AwsRole; readonly regions: (string | null)[] }>();
  for (const { role, region } of cloud.acm) {
    if (!role) continue;
    const key = `${role.roleArn}\0${role.externalId ?? ''}`;
    if (!roles.has(key)) roles.set(key, { role, regions: [] });
    roles.get(key)!.regions.push(region);
  }
  return {
    ...input,
    acm: {
      // No own scope: only the roles' accounts; one without a region: the SDK's region.
      ...(own.length === 0 ? { regions: [] } : own[0] === null ? {} : { regions: own as string[] }),
      roles: [...roles.values()].map(({ role, regions }) => ({
        roleArn: role.roleArn,
        ...(role.externalId !== undefined ? { externalId: role.externalId } : {}),
        ...(regions[0] === null ? {} : { regions: regions as string[] }),
      })),
    },
  };
}

/** A watched target as written in the config: a string when it has nothing but its target. */
export function targetEntryFor(watched: WatchedTarget, sharedCaFile?: string): TargetEntry {
  const own = watched.caFiles.slice(sharedCaFile === undefined ? 0 : 1);
  if (own.length > 1) throw new Error(`${watched.target} has ${own.length} CA files of its own; a config entry names one`);
  const hasTags = Object.keys(watched.tags).length > 0;
  if (watched.servername === undefined && own.length === 0 && watched.owner === null && !hasTags) return watched.target;
  return {
    target: watched.target,
    ...(watched.servername !== undefined ? { servername: watched.servername } : {}),
    ...(own.length === 1 ? { caFile: own[0] } : {}),
    ...(watched.owner !== null ? { owner: watched.owner } : {}),
    ...(hasTags ? { tags: { ...watched.tags } } : {}),
  };
}

/** The JSON Schema editors use for certwatch.config.json (generated from the same definition). */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
