import { ProbeError, type CertificateFileSource, type FileCertificate, type FileReadSettings } from '../../core/ports';
import { InputFileError, readInputFile } from '../../files/input-file';
import { TrustStores } from '../trust-store';
import { observeBundle } from './bundle-observations';
import { CertificateFileError, decodeCertificateFile } from './certificate-file-formats';

/** Reads certificate files from the local file system: the adapter behind `check file://PATH` and `--files GLOB`. */
export class CertificateFiles implements CertificateFileSource {
  private readonly trustStores = new TrustStores();

  async read(path: string, settings: FileReadSettings): Promise<FileCertificate[]> {
    const trust = this.trustStores.for(settings.caFiles ?? []);
    const bytes = readBounded(path);
    try {
      return observeBundle(decodeCertificateFile(bytes, settings.password).entries, trust);
    } catch (error) {
      if (error instanceof CertificateFileError) throw new ProbeError(error.code, `${path} ${error.message}`);
      throw error;
    }
  }
}

/**
 * The file's bytes, through the one guard for files a person names (regular files only after links, without waiting
 * on a FIFO, within the input-file cap), its refusals as the probe's error codes.
 */
function readBounded(path: string): Uint8Array {
  try {
    return new Uint8Array(readInputFile(path));
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    if (error.reason === 'ENOENT') throw new ProbeError('FILE_NOT_FOUND', `${path} does not exist`);
    throw new ProbeError('FILE_UNREADABLE', `${path} cannot be read (${error.reason})`);
  }
}
