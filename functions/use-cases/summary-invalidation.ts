import { withoutEntries, type BatchSummary } from '../core/batch-summary';
import { VersionConflictError, type BatchSummaryStore } from '../core/ports';

/** Conditional writes one removal tries (re-reading the summary after each lost to another worker's write). */
const REMOVAL_ATTEMPTS = 3;

/** The summary as stored, as far as this run knows: what its next write is conditional on. */
export interface StoredSummary {
  readonly summary: BatchSummary | null;
  readonly storedVersion: number;
}

/**
 * Removes entries from a batch's stored summary before the certificates' new states are written (invalidate before
 * fold: batch-summary.ts, vouchesOtherwise). Removals asked for while a write is in flight wait for it and go together
 * in the next one, so that a batch whose certificates change at once (a fleet renewed, a network failing) writes its
 * summary a few times, not once per certificate. Each write is conditional on the version last known; one lost to
 * another worker's write reads the summary again (consistently) and removes the entries from what that worker wrote.
 */
export class SummaryInvalidation {
  /** null: not read yet (the batch's own read failed): `current` reads it the first time it is asked. */
  private stored: StoredSummary | null;
  private reading: Promise<StoredSummary> | null = null;
  private queued: { readonly certificateId: string; readonly done: (error?: unknown) => void }[] = [];
  private flushing = false;
  /** Another worker wrote the summary since this run read it: this run's own summary must not be written over theirs. */
  private overtaken = false;
  private writeCount = 0;

  /** `read`: the summary as the batch read it; null when that read failed. */
  constructor(
    private readonly summaries: BatchSummaryStore,
    private readonly key: string,
    read: StoredSummary | null,
  ) {
    this.stored = read;
  }

  /** The summary as this run last read or wrote it; null until it is read (when the batch's own read failed). */
  get latest(): StoredSummary | null {
    return this.stored;
  }

  /**
   * The summary as this run last read or wrote it. When the batch's own read failed, it is read again, consistently,
   * the first time it is asked for (once for the run): a certificate folded without knowing its entry could leave that
   * entry vouching for a state no longer stored. Rejects when that read fails too (the certificate is then not folded).
   */
  current(): Promise<StoredSummary> {
    if (this.stored) return Promise.resolve(this.stored);
    this.reading ??= this.summaries.readBatchSummary(this.key, { consistent: true }).then(
      (read) => (this.stored ??= { summary: read.summary, storedVersion: read.storedVersion }),
      (error: unknown) => {
        throw new Error(`its summary could not be read to remove its entry before its new state was written, so it was not folded: ${(error as Error).message}`);
      },
    );
    return this.reading;
  }

  /** Whether another worker's write was found in the way (the run's own summary is then merged, not written). */
  get foundOtherWriter(): boolean {
    return this.overtaken;
  }

  /** Summary writes made to remove entries. */
  get writes(): number {
    return this.writeCount;
  }

  /** Resolves once the stored summary holds no entry for `certificateId`; rejects when that could not be written. */
  remove(certificateId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ certificateId, done: (error) => (error === undefined ? resolve() : reject(error as Error)) });
      if (!this.flushing) {
        this.flushing = true;
        // Removals asked for in the same turn of the event loop (probes answering together) share the first write.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queued.length > 0) {
      const group = this.queued.splice(0);
      try {
        await this.removeAll(group.map((request) => request.certificateId));
        for (const request of group) request.done();
      } catch (error) {
        const failure = new Error(`its summary entry could not be removed before its new state was written, so it was not folded: ${(error as Error).message}`);
        for (const request of group) request.done(failure);
      }
    }
    this.flushing = false;
  }

  private async removeAll(certificateIds: readonly string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { summary, storedVersion } = await this.current();
      if (!summary) return;
      const next = withoutEntries(summary, certificateIds);
      if (next === summary) return;
      try {
        this.stored = { summary: await this.summaries.writeBatchSummary(next, storedVersion), storedVersion: storedVersion + 1 };
        this.writeCount++;
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt === REMOVAL_ATTEMPTS) throw error;
        this.overtaken = true;
        const reread = await this.summaries.readBatchSummary(this.key, { consistent: true });
        this.stored = { summary: reread.summary, storedVersion: reread.storedVersion };
      }
    }
  }
}
