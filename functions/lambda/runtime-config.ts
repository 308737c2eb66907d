// Configuration a deployed Lambda reads from its environment: read once, validated, clear when missing. The CDK
// construct that grants a resource sets its variable in the same call (CertwatchFunction.bind*), by these names.

export const RUNTIME_ENVIRONMENT = {
  /** The DynamoDB state table's name. */
  tableName: 'CERTWATCH_TABLE',
  /** The alert topic's ARN. */
  topicArn: 'CERTWATCH_TOPIC_ARN',
  /** The probe queue's URL. */
  probeQueueUrl: 'CERTWATCH_PROBE_QUEUE_URL',
} as const;

export type RuntimeSetting = keyof typeof RUNTIME_ENVIRONMENT;

export type RuntimeConfig = { readonly [Setting in RuntimeSetting]: string };

export class RuntimeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeConfigError';
  }
}

const WHAT: Readonly<Record<RuntimeSetting, { readonly need: string; readonly valid: RegExp; readonly example: string }>> = {
  tableName: { need: 'the name of its DynamoDB state table', valid: /^[A-Za-z0-9_.-]{3,255}$/, example: 'Certwatch-StateTable-ABC123' },
  topicArn: { need: 'the ARN of the alert topic', valid: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, example: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
  probeQueueUrl: { need: 'the URL of the probe queue', valid: /^https?:\/\/\S+$/, example: 'https://sqs.eu-west-1.amazonaws.com/123456789012/probe' },
};

/** The settings a function needs, each present and well-formed; a RuntimeConfigError naming the variable otherwise. */
export function readRuntimeConfig<Needed extends RuntimeSetting>(needed: readonly Needed[], env: NodeJS.ProcessEnv = process.env): Pick<RuntimeConfig, Needed> {
  const config: Partial<Record<RuntimeSetting, string>> = {};
  for (const setting of needed) {
    const variable = RUNTIME_ENVIRONMENT[setting];
    const value = env[variable]?.trim();
    const { need, valid, example } = WHAT[setting];
    if (!value) throw new RuntimeConfigError(`${variable} is not set: the function needs ${need}`);
    if (!valid.test(value)) throw new RuntimeConfigError(`${variable} must be ${need}, such as ${example}`);
    config[setting] = value;
  }
  return config as Pick<RuntimeConfig, Needed>;
}
