import { DEFAULT_THRESHOLDS, type Thresholds } from './judge';

/** Check settings when none are given: `certwatch check`, the on-demand Lambda and the config's `check` block. */
export const CHECK_DEFAULTS: Thresholds & { readonly timeoutMs: number; readonly concurrency: number } = {
  ...DEFAULT_THRESHOLDS,
  timeoutMs: 10_000,
  concurrency: 16,
};
