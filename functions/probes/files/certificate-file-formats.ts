import { childAt, childrenOf, DerShapeError, explicit, isContextTag, isSequence, oidOf, parseElement, parseElements, rawBytes, type DerNode } from './der-reader';
import { DER_TAG, DerError, expectElement } from '../../core/der';
import { looksLikePkcs12, Pkcs12PasswordError, pkcs12Certificates } from './pkcs12';

// What a certificate file holds, whatever its format: PEM (one certificate or a bundle, PKCS#7 blocks included),
// DER (one certificate, or several written one after another), PKCS#7 (.p7b/.p7c, DER or PEM) or PKCS#12 (.p12/.pfx).
// Each certificate comes out as its exact DER bytes, in file order; a part that is not a certificate is named.

export type CertificateFileFormat = 'PEM' | 'DER' | 'PKCS#7' | 'PKCS#12';

/** One certificate of the file, in file order: its DER bytes, or why that part could not be read. */
export type FileEntry = { readonly der: Uint8Array } | { readonly problem: string };

export interface DecodedCertificateFile {
  readonly format: CertificateFileFormat;
  readonly entries: readonly FileEntry[];
}

/** The whole file is unusable: no certificate in it, or a PKCS#12 file whose password is missing or wrong. */
export class CertificateFileError extends Error {
  constructor(
    readonly code: 'NOT_A_CERTIFICATE' | 'PASSWORD_REQUIRED',
    message: string,
  ) {
    super(message);
    this.name = 'CertificateFileError';
  }
}

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const PEM_CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const PEM_PKCS7_LABELS = new Set(['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS']);

/** Decodes a certificate file's bytes. `password` opens PKCS#12 files. Throws CertificateFileError. */
export function decodeCertificateFile(bytes: Uint8Array, password?: string): DecodedCertificateFile {
  if (bytes.length === 0) throw new CertificateFileError('NOT_A_CERTIFICATE', 'is empty');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.includes('-----BEGIN ')) return { format: 'PEM', entries: pemEntries(text) };
  let nodes: DerNode[];
  try {
    nodes = parseElements(bytes, 'the file');
  } catch {
    throw new CertificateFileError('NOT_A_CERTIFICATE', 'holds no certificate (neither PEM, DER, PKCS#7 nor PKCS#12)');
  }
  const [first] = nodes;
  if (isPkcs7(first)) return { format: 'PKCS#7', entries: pkcs7Entries(first) };
  if (looksLikePkcs12(first)) return { format: 'PKCS#12', entries: pkcs12Entries(first, password) };
  if (!nodes.every(looksLikeCertificate)) throw new CertificateFileError('NOT_A_CERTIFICATE', 'holds no certificate (DER data that is neither a certificate, PKCS#7 nor PKCS#12)');
  return { format: 'DER', entries: nodes.map((node) => ({ der: rawBytes(node) })) };
}

/** Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING } */
function looksLikeCertificate(node: DerNode): boolean {
  if (!isSequence(node)) return false;
  const parts = childrenOf(node, 'certificate');
  return parts.length === 3 && isSequence(parts[0]) && isSequence(parts[1]);
}

function isPkcs7(node: DerNode): boolean {
  try {
    return isSequence(node) && oidOf(childAt(node, 0, 'ContentInfo'), 'content type') === SIGNED_DATA;
  } catch {
    return false;
  }
}

/**
 * The PEM blocks in file order: certificates one entry each, a PKCS#7 block one entry per certificate it holds;
 * keys, requests and CRLs skipped. A block cut short (BEGIN without END) or whose content is not a certificate is
 * an entry with its problem, so that the certificates around it are still judged.
 */
function pemEntries(text: string): FileEntry[] {
  const entries: FileEntry[] = [];
  const skipped = new Set<string>();
  const begin = /-----BEGIN ([A-Z0-9 #]+)-----/g;
  for (let match = begin.exec(text); match; match = begin.exec(text)) {
    const label = match[1];
    const end = text.indexOf(`-----END ${label}-----`, begin.lastIndex);
    const isCertificate = PEM_CERTIFICATE_LABELS.has(label);
    const isPkcs7Block = PEM_PKCS7_LABELS.has(label);
    if (!isCertificate && !isPkcs7Block) {
      skipped.add(label);
      if (end >= 0) begin.lastIndex = end;
      continue;
    }
    const ordinal = entries.length + 1;
    if (end < 0) {
      entries.push({ problem: `PEM block ${ordinal} (${label}) is cut short: no END line` });
      break;
    }
    const body = text.slice(begin.lastIndex, end);
    begin.lastIndex = end;
    const der = base64Body(body);
    if (der === null) {
      entries.push({ problem: `PEM block ${ordinal} (${label}) is not valid base64` });
      continue;
    }
    if (isPkcs7Block) {
      entries.push(...pkcs7BlockEntries(der, ordinal));
      continue;
    }
    entries.push(certificateEntry(der, label === 'TRUSTED CERTIFICATE', `PEM block ${ordinal}`));
  }
  if (entries.length === 0) {
    const found = skipped.size > 0 ? ` (only ${[...skipped].join(', ')})` : '';
    throw new CertificateFileError('NOT_A_CERTIFICATE', `holds no certificate${found}`);
  }
  return entries;
}

/** PEM's base64 body; encapsulated headers (`Proc-Type: ...`) are skipped. null when it is not base64. */
function base64Body(body: string): Uint8Array | null {
  const base64 = body
    .split(/\r?\n/)
    .filter((line) => !line.includes(':'))
    .join('')
    .replace(/\s+/g, '');
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/**
 * One PEM certificate block, looked at only as far as its outer SEQUENCE (the certificate parsers read it whole
 * next, and name what is wrong inside); OpenSSL's TRUSTED CERTIFICATE appends its trust settings after it.
 */
function certificateEntry(der: Uint8Array, trailingAux: boolean, where: string): FileEntry {
  let end: number;
  try {
    end = expectElement(der, 0, der.length, DER_TAG.sequence, 'certificate').end;
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    return { problem: `${where} is not a certificate (its content is cut short or corrupt)` };
  }
  if (end < der.length && !trailingAux) return { problem: `${where} is not a certificate (data after its end)` };
  return { der: der.subarray(0, end) };
}

function pkcs7BlockEntries(der: Uint8Array, ordinal: number): FileEntry[] {
  try {
    const node = parseElement(der, `PEM block ${ordinal}`);
    if (!isPkcs7(node)) return [{ problem: `PEM block ${ordinal} is not PKCS#7 signed data` }];
    return pkcs7Entries(node);
  } catch (error) {
    return [{ problem: `PEM block ${ordinal} (PKCS#7) cannot be read: ${(error as Error).message}` }];
  }
}

/** SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] IMPLICIT certificates OPTIONAL, ... } */
function pkcs7Entries(contentInfo: DerNode): FileEntry[] {
  let certificates: DerNode[];
  try {
    const signedData = explicit(childAt(contentInfo, 1, 'ContentInfo'), 0, 'SignedData');
    const set = childrenOf(signedData, 'SignedData').find((part) => isContextTag(part, 0));
    certificates = set ? childrenOf(set, 'certificates') : [];
  } catch (error) {
    throw new CertificateFileError('NOT_A_CERTIFICATE', `is PKCS#7 that cannot be read (${(error as Error).message})`);
  }
  // CertificateChoices: a plain certificate is a SEQUENCE; attribute and other certificates are tagged.
  const entries: FileEntry[] = certificates.filter(isSequence).map((node, index) => (looksLikeCertificate(node) ? { der: rawBytes(node) } : { problem: `PKCS#7 certificate ${index + 1} is not a certificate` }));
  if (entries.length === 0) throw new CertificateFileError('NOT_A_CERTIFICATE', 'is PKCS#7 without certificates');
  return entries;
}

function pkcs12Entries(pfx: DerNode, password: string | undefined): FileEntry[] {
  let certificates: Uint8Array[];
  try {
    certificates = pkcs12Certificates(pfx, password);
  } catch (error) {
    if (error instanceof Pkcs12PasswordError) throw new CertificateFileError('PASSWORD_REQUIRED', error.message);
    if (error instanceof DerShapeError) throw new CertificateFileError('NOT_A_CERTIFICATE', `is PKCS#12 that cannot be read (${error.message})`);
    throw error;
  }
  if (certificates.length === 0) throw new CertificateFileError('NOT_A_CERTIFICATE', 'is PKCS#12 without certificates (a key alone?)');
  return certificates.map((der, index) => certificateEntry(der, false, `PKCS#12 certificate ${index + 1}`));
}
