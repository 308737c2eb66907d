// A local store whose LevelDB files are damaged (a bad block, a bad magic number, a truncated or missing file), found
// when it opens or when a read reaches the damaged part. The message says what, where and what to do, in one line.

/** The local store's files are damaged: certwatch cannot read its state. */
export class LocalStoreDamagedError extends Error {
  constructor(
    readonly directory: string,
    /** LevelDB's own words, for whoever looks further. */
    readonly reason: string,
  ) {
    super(
      `the local store ${directory} is damaged (LevelDB: ${reason}): move it aside (mv ${directory} ${directory}.damaged) and run certwatch again; ` +
        'the next run rebuilds the state by probing every target, but the acknowledgements and the record of what was sent are lost with it, so a notice may be sent again',
    );
    this.name = 'LocalStoreDamagedError';
  }
}

/**
 * LevelDB's words when `error` says the store's files are damaged (its `Corruption` errors, and I/O errors on the
 * store's own files, such as a truncated table or a CURRENT naming a manifest that is gone); null for anything else,
 * such as a held lock or a permission (which moving the store aside would not fix).
 */
export function damageReason(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    const { message } = current;
    if (code === 'LEVEL_CORRUPTION' || message.startsWith('Corruption:')) return message;
    if ((code === 'LEVEL_IO_ERROR' || message.startsWith('IO error:')) && !/Permission denied|Read-only file system|No space left/i.test(message)) return message;
  }
  return null;
}
