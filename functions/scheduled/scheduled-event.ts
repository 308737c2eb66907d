import { InvalidEventError } from '../lambda/invalid-event-error';

/** What a schedule asks the scheduled function to do: `{"task": "probe"}`, `"digest"` or `"inventory"` (ACM, IAM). */
export const SCHEDULED_TASKS = ['probe', 'digest', 'inventory'] as const;

export type ScheduledTask = (typeof SCHEDULED_TASKS)[number];

/** The task of a schedule's event; InvalidEventError for anything else. */
export function parseScheduledEvent(event: unknown): ScheduledTask {
  const task = typeof event === 'object' && event !== null ? (event as { task?: unknown }).task : undefined;
  if (typeof task === 'string' && (SCHEDULED_TASKS as readonly string[]).includes(task)) return task as ScheduledTask;
  throw new InvalidEventError(`invalid scheduled event: task must be one of ${SCHEDULED_TASKS.join(', ')}`);
}
