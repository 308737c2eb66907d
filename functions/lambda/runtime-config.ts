/** Configuration a deployed Lambda reads from its environment: read once, validated, clear when missing. */
export interface RuntimeConfig {
  /** The DynamoDB state table (CERTWATCH_TABLE). */
  readonly tableName: string;
}

export class RuntimeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeConfigError';
  }
}

export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const tableName = env.CERTWATCH_TABLE?.trim();
  if (!tableName) throw new RuntimeConfigError('CERTWATCH_TABLE is not set: the function needs the name of its DynamoDB state table');
  return { tableName };
}
