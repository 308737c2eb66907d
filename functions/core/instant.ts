import * as z from 'zod';

/** The one way certwatch reads a point in time, in the Lambda's events and the CLI's `--now`/`--until`. */
export const INSTANT_RULE = 'an ISO 8601 time with a zone, such as 2026-12-01T09:00:00Z or 2026-12-01T11:00:00+02:00';
export const isoInstant = z.iso.datetime({ offset: true, message: `must be ${INSTANT_RULE}` });
