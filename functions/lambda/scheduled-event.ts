import { InvalidEventError } from './invalid-event-error';

/**
 * What a schedule asks for: `{"task": "probe"}` and `{"task": "digest"}` (the scheduled function), `{"task":
 * "inventory"}` (the inventory function: ACM and IAM).
 */
export const SCHEDULED_TASKS = ['probe', 'digest', 'inventory'] as const;

export type ScheduledTask = (typeof SCHEDULED_TASKS)[number];

/** The task of a schedule's event, one of `accepted`; InvalidEventError for anything else. */
export function parseScheduledEvent<Task extends ScheduledTask>(event: unknown, accepted: readonly Task[]): Task {
  const task = typeof event === 'object' && event !== null ? (event as { task?: unknown }).task : undefined;
  if (typeof task === 'string' && (accepted as readonly string[]).includes(task)) return task as Task;
  throw new InvalidEventError(`invalid scheduled event: task must be ${accepted.length === 1 ? accepted[0] : `one of ${accepted.join(', ')}`}`);
}
