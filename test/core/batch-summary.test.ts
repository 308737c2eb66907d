import {
  batchSummaryKey,
  EMPTY_JOURNAL,
  JOURNAL_KEPT,
  journalWith,
  nextBatchSummary,
  planBatchReads,
  EVERY_CERTIFICATE,
  type BatchSummary,
  type ChangeJournalRecord,
  type SummaryEntry,
  vouchesOtherwise,
  withoutEntries,
} from '../../functions/core/batch-summary';

// Tier 1: which entries of a batch's summary a run may trust, and when the summary is written again.

const NOW = new Date('2026-06-01T12:00:00Z');
const hours = (n: number) => new Date(NOW.getTime() + n * 3_600_000).toISOString();
const entry = (dueAt: string): SummaryEntry => ({ observed: 'digest', dueAt, stage: null });
const summary = (entries: Record<string, SummaryEntry>, journalSequence = 0, writtenAt = hours(-1)): BatchSummary => ({ key: 'k', entries, journalSequence, writtenAt, version: 3 });
const journalOf = (...ids: string[]): ChangeJournalRecord => ids.reduce(journalWith, EMPTY_JOURNAL);

describe('planBatchReads', () => {
  test('trusts the entries whose time has not come; reads the rest, and the certificates without one', () => {
    const plan = planBatchReads(summary({ a: entry(hours(5)), b: entry(hours(-0.1)), c: entry(NOW.toISOString()) }), EMPTY_JOURNAL, ['a', 'b', 'c', 'd'], NOW);
    expect([...plan.trusted.keys()]).toEqual(['a']);
    expect(plan.distrust).toBeNull();
  });

  test('reads again what people changed since the summary (the journal), nothing else', () => {
    const journal = journalOf('x', 'a', 'b');
    const plan = planBatchReads(summary({ a: entry(hours(5)), b: entry(hours(5)), c: entry(hours(5)) }, 1), journal, ['a', 'b', 'c'], NOW);
    expect(plan.changedByHand).toEqual(['a', 'b']);
    expect([...plan.trusted.keys()]).toEqual(['c']);
  });

  test('a run outside the deployment since the summary (EVERY_CERTIFICATE): trusts nothing, and every certificate is read as changed by hand', () => {
    const entries = { a: entry(hours(5)), b: entry(hours(5)) };
    const plan = planBatchReads(summary(entries, 1), journalOf('x', EVERY_CERTIFICATE), ['a', 'b'], NOW);
    expect(plan).toEqual({ trusted: new Map(), changedByHand: ['a', 'b'], distrust: 'a certwatch run outside the deployment changed states since its summary' });
    // Already taken into account by the summary: trusted as before.
    expect([...planBatchReads(summary(entries, 2), journalOf('x', EVERY_CERTIFICATE), ['a', 'b'], NOW).trusted.keys()]).toEqual(['a', 'b']);
  });

  test('trusts nothing: no summary, one written by a clock ahead, a journal older than it, or more changes than the journal keeps', () => {
    const entries = { a: entry(hours(5)) };
    expect(planBatchReads(null, EMPTY_JOURNAL, ['a'], NOW).distrust).toBe('no summary of this batch yet');
    expect(planBatchReads(summary(entries, 0, hours(0.05)), EMPTY_JOURNAL, ['a'], NOW).distrust).toBeNull(); // within the clocks' tolerance
    expect(planBatchReads(summary(entries, 0, hours(1)), EMPTY_JOURNAL, ['a'], NOW).distrust).toMatch(/by a clock ahead of this one/);
    expect(planBatchReads(summary(entries, 5), journalOf('x'), ['a'], NOW).distrust).toMatch(/journal is older than the summary/);
    const many = journalOf(...Array.from({ length: JOURNAL_KEPT + 3 }, (_, index) => `id-${index}`));
    expect(many.recent).toHaveLength(JOURNAL_KEPT);
    expect(planBatchReads(summary(entries, 2), many, ['a'], NOW).distrust).toBe(`${JOURNAL_KEPT + 1} changes by hand since its summary, more than the journal keeps`);
    expect(planBatchReads(summary(entries, 3), many, ['a'], NOW).distrust).toBeNull();
  });
});

describe('nextBatchSummary', () => {
  const entries = { a: entry(hours(5)) };
  const trusting = planBatchReads(summary(entries), EMPTY_JOURNAL, ['a'], NOW);

  test('is not written when its entries are the same, nor when the journal moved on for other batches', () => {
    expect(nextBatchSummary(summary(entries), 'k', { a: entry(hours(5)) }, EMPTY_JOURNAL, trusting, NOW)).toBeNull();
    const elsewhere = journalOf('x', 'y');
    expect(nextBatchSummary(summary(entries), 'k', entries, elsewhere, planBatchReads(summary(entries), elsewhere, ['a'], NOW), NOW)).toBeNull();
  });

  test('is written when an entry changed, when it read certificates people changed, when none was trusted, or before the journal outruns it', () => {
    expect(nextBatchSummary(summary(entries), 'k', { a: entry(hours(6)) }, EMPTY_JOURNAL, trusting, NOW)).toMatchObject({ entries: { a: { dueAt: hours(6) } }, writtenAt: NOW.toISOString(), version: 3 });
    const changed = journalOf('a');
    expect(nextBatchSummary(summary(entries), 'k', entries, changed, planBatchReads(summary(entries), changed, ['a'], NOW), NOW)).toMatchObject({ journalSequence: 1 });
    expect(nextBatchSummary(null, 'k', entries, EMPTY_JOURNAL, planBatchReads(null, EMPTY_JOURNAL, ['a'], NOW), NOW)).toMatchObject({ version: 0 });
    const busy = journalOf(...Array.from({ length: JOURNAL_KEPT / 2 + 1 }, (_, index) => `elsewhere-${index}`));
    expect(nextBatchSummary(summary(entries), 'k', entries, busy, planBatchReads(summary(entries), busy, ['a'], NOW), NOW)).toMatchObject({ journalSequence: JOURNAL_KEPT / 2 + 1 });
  });

  test('gives a certificate people changed no entry, whatever this run folded from it (read again next run)', () => {
    const both = { a: entry(hours(5)), b: entry(hours(5)) };
    const changed = journalOf('a');
    const next = nextBatchSummary(summary(both), 'k', { a: entry(hours(7)), b: entry(hours(5)) }, changed, planBatchReads(summary(both), changed, ['a', 'b'], NOW), NOW);
    expect(next?.entries).toEqual({ b: entry(hours(5)) });
    expect(next?.journalSequence).toBe(1);
  });
});

test('batchSummaryKey: the same batch config gives the same key, whatever the order of its keys; any change another', () => {
  const config = { targets: ['a.example', 'b.example'], check: { timeoutMs: 5000, concurrency: 16 } };
  expect(batchSummaryKey(config)).toBe(batchSummaryKey({ check: { concurrency: 16, timeoutMs: 5000 }, targets: ['a.example', 'b.example'] }));
  expect(batchSummaryKey(config)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(batchSummaryKey({ ...config, targets: ['a.example', 'c.example'] })).not.toBe(batchSummaryKey(config));
  expect(batchSummaryKey({ ...config, check: { timeoutMs: 5000, concurrency: 32 } })).not.toBe(batchSummaryKey(config));
});

test('vouchesOtherwise: an entry in date of another observation must go before a fold; a due one, the same one or none need not', () => {
  const stored = summary({ a: entry(hours(5)), due: entry(hours(-0.1)), now: entry(NOW.toISOString()) });
  expect(vouchesOtherwise(stored, 'a', 'renewed', NOW)).toBe(true);
  expect(vouchesOtherwise(stored, 'a', 'digest', NOW)).toBe(false);
  expect(vouchesOtherwise(stored, 'due', 'renewed', NOW)).toBe(false);
  expect(vouchesOtherwise(stored, 'now', 'renewed', NOW)).toBe(false);
  expect(vouchesOtherwise(stored, 'none', 'renewed', NOW)).toBe(false);
  expect(vouchesOtherwise(null, 'a', 'renewed', NOW)).toBe(false);
  expect(withoutEntries(stored, ['a', 'x']).entries).toEqual({ due: entry(hours(-0.1)), now: entry(NOW.toISOString()) });
  expect(withoutEntries(stored, ['x'])).toBe(stored);
});
