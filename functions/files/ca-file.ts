import { X509Certificate } from 'node:crypto';
import { readInputText } from './input-file';

// A CA file (PEM trust anchors): read once by the config's load, by `check --ca-file`, and by the probe's trust store,
// with one verdict for all three: a file that holds no certificate is refused where it is named, not noticed runs later.

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificate blocks in `text`, in order (anything around them is ignored, as OpenSSL does). */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/** A CA file that was read but holds no usable certificate: `problem` completes "the file ...". */
export class CaFileContentError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`CA file ${path} ${problem}`);
    this.name = 'CaFileContentError';
  }
}

/**
 * The certificates of the CA file at `path`, as PEM blocks: at least one, each a certificate. Throws InputFileError
 * (not a readable regular file, or over the size cap) or CaFileContentError.
 */
export function readCaFile(path: string): string[] {
  const blocks = pemCertificates(readInputText(path));
  if (blocks.length === 0) throw new CaFileContentError(path, 'holds no PEM certificate');
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new CaFileContentError(path, `holds a PEM block that is not a certificate (block ${index + 1} of ${blocks.length})`);
    }
  });
  return blocks;
}
