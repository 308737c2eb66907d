import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs for every certwatch Lambda (POWERTOOLS_LOG_LEVEL sets the level). */
export const logger = new Logger({ serviceName: 'certwatch' });
