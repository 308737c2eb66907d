import { InvalidTargetError } from './target';

// Certificate files as targets: `file://PATH` (`file:///etc/ssl/x.pem` absolute, `file://dist/x.pem` relative to
// the working directory). One file yields one result per certificate, `file://PATH#N` with N from 1 in file order.

const FILE_SCHEME = /^file:\/\//i;

/** Whether a target names a certificate file rather than an endpoint. */
export function isFileTarget(input: string): boolean {
  return FILE_SCHEME.test(input.trim());
}

/** The path of a `file://` target, as written after the scheme. Throws InvalidTargetError when there is none. */
export function filePathOf(input: string): string {
  const path = input.trim().replace(FILE_SCHEME, '');
  if (path === '') throw new InvalidTargetError(input, 'a file target needs a path, e.g. file://certs/server.pem');
  return path;
}

/** The target of a whole file (used when the file itself cannot be read). */
export function fileTarget(path: string): string {
  return `file://${path}`;
}

/** The target of the Nth certificate of a file, N from 1. */
export function fileCertificateTarget(path: string, ordinal: number): string {
  return `file://${path}#${ordinal}`;
}
