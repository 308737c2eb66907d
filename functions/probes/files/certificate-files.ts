import { readFile, stat } from 'node:fs/promises';
import { ProbeError, type CertificateFileSource, type FileCertificate, type FileReadSettings } from '../../core/ports';
import { TrustStores } from '../trust-store';
import { observeBundle } from './bundle-observations';
import { CertificateFileError, decodeCertificateFile } from './certificate-file-formats';

/** Certificate files are small; anything larger is refused before it is read into memory. */
export const MAX_CERTIFICATE_FILE_BYTES = 16 * 1024 * 1024;

/** Reads certificate files from the local file system: the adapter behind `check file://PATH` and `--files GLOB`. */
export class CertificateFiles implements CertificateFileSource {
  private readonly trustStores = new TrustStores();

  async read(path: string, settings: FileReadSettings): Promise<FileCertificate[]> {
    const trust = this.trustStores.for(settings.caFiles ?? []);
    const bytes = await readBounded(path);
    try {
      return observeBundle(decodeCertificateFile(bytes, settings.password).entries, trust);
    } catch (error) {
      if (error instanceof CertificateFileError) throw new ProbeError(error.code, `${path} ${error.message}`);
      throw error;
    }
  }
}

async function readBounded(path: string): Promise<Uint8Array> {
  try {
    // Looked at before it is opened: opening a named pipe would wait for a writer.
    const stats = await stat(path);
    if (!stats.isFile()) throw new ProbeError('FILE_UNREADABLE', `${path} is not a regular file`);
    if (stats.size > MAX_CERTIFICATE_FILE_BYTES) {
      throw new ProbeError('FILE_UNREADABLE', `${path} is ${stats.size} bytes: larger than a certificate file can be (${MAX_CERTIFICATE_FILE_BYTES} bytes)`);
    }
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if (error instanceof ProbeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ProbeError('FILE_NOT_FOUND', `${path} does not exist`);
    throw new ProbeError('FILE_UNREADABLE', `${path} cannot be read (${code ?? (error as Error).message})`);
  }
}
