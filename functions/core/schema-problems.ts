import type { z } from 'zod';

// What zod's issues say, worded for the person who wrote the input (a config file, an on-demand event): a missing
// field is "is required" (zod says "expected string, received undefined"), and a value that may take either of two
// shapes (a target as a string or an object) gets the problems of the shape it has, not zod's bare "Invalid input".

/** How to parse for schemaProblems: each issue carries the value it is about (to tell a missing field). */
export const REPORT_INPUT = { reportInput: true } as const;

/**
 * One problem per issue, each `path: message`; `topLevel` names the whole input when the path is empty. Parsed
 * without REPORT_INPUT, a missing field keeps zod's wording.
 */
export function schemaProblems(issues: readonly z.core.$ZodIssue[], topLevel: string): string[] {
  return issues.flatMap((issue) => worded(issue, []).map(({ path, message }) => `${path.length > 0 ? path.join('.') : topLevel}: ${message}`));
}

interface Worded {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function worded(issue: z.core.$ZodIssue, within: readonly PropertyKey[]): Worded[] {
  const path = [...within, ...issue.path];
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) return [{ path, message: 'is required' }];
  if (issue.code === 'invalid_union') {
    // The shapes the value has the type of (an object for the object shape): their problems are the ones to fix.
    const fitting = issue.errors.filter((shape) => !shape.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0));
    if (fitting.length === 1) return fitting[0].flatMap((inner) => worded(inner, path));
  }
  return [{ path, message: issue.message }];
}
