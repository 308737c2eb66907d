import { VersionConflictError } from '../../functions/core/ports';
import { CONFLICT_ATTEMPTS, retryOnConflict } from '../../functions/use-cases/retry-on-conflict';

// The one retry rule of the use cases that write what they read (ack, forget, a run recording its deliveries).

/** An attempt that conflicts its first `conflicts` times, then answers with the attempt number. */
function conflictingFirst(conflicts: number): { attempt: () => Promise<number>; readonly calls: number } {
  let calls = 0;
  return {
    attempt: async () => {
      calls++;
      if (calls <= conflicts) throw new VersionConflictError('tls:busy.example:443');
      return calls;
    },
    get calls() {
      return calls;
    },
  };
}

test('a conflict is retried: the attempt after it answers', async () => {
  const raced = conflictingFirst(CONFLICT_ATTEMPTS - 1);
  await expect(retryOnConflict(raced.attempt)).resolves.toBe(CONFLICT_ATTEMPTS);
});

test('three attempts in all: the conflict of the last one is thrown', async () => {
  const raced = conflictingFirst(CONFLICT_ATTEMPTS);
  await expect(retryOnConflict(raced.attempt)).rejects.toBeInstanceOf(VersionConflictError);
  expect(raced.calls).toBe(3);
});

test('any other error is thrown at once, without another attempt', async () => {
  let calls = 0;
  const failing = async () => {
    calls++;
    throw new Error('the table is gone');
  };
  await expect(retryOnConflict(failing)).rejects.toThrow('the table is gone');
  expect(calls).toBe(1);
});

test('beforeRetry runs between attempts with the conflict, and not after the last one', async () => {
  const raced = conflictingFirst(CONFLICT_ATTEMPTS);
  const seen: string[] = [];
  await expect(retryOnConflict(raced.attempt, async (conflict) => void seen.push(conflict.certificateId))).rejects.toBeInstanceOf(VersionConflictError);
  expect(seen).toEqual(['tls:busy.example:443', 'tls:busy.example:443']);
});

test('what beforeRetry throws ends the retries', async () => {
  const raced = conflictingFirst(CONFLICT_ATTEMPTS);
  const gone = async (conflict: VersionConflictError) => {
    throw conflict;
  };
  await expect(retryOnConflict(raced.attempt, gone)).rejects.toThrow('state of tls:busy.example:443 was changed by another run');
  expect(raced.calls).toBe(1);
});
