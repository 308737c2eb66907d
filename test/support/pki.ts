import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Test-time PKI: every certificate a test uses is generated here, at run time, never checked in.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;
const DAY = 86_400_000;

export type KeySpec = { kind: 'ec'; curve: 'P-256' | 'P-384' } | { kind: 'rsa'; bits: 1024 | 2048 };
type Hash = 'SHA-1' | 'SHA-256' | 'SHA-384';

export interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Uint8Array;
  readonly signingAlgorithm: Algorithm;
}

export interface IssueOptions {
  readonly subject: string;
  /** Omit for a self-signed certificate. */
  readonly issuer?: Issued;
  readonly key?: KeySpec;
  readonly hash?: Hash;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** DNS names; `ip:` prefix for IP addresses. */
  readonly sans?: readonly string[];
  readonly isCa?: boolean;
  /** Leave basicConstraints off a CA (a broken intermediate). */
  readonly omitBasicConstraints?: boolean;
}

type CryptoKeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };
type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.AlgorithmIdentifier | webcrypto.RsaHashedImportParams | webcrypto.EcdsaParams;

const rsaKeyCache = new Map<string, Promise<CryptoKeyPair>>();
let serial = 1;

/** Generates a key pair. RSA keys are slow (~80 ms), so one per size and hash is made per test process. */
async function generateKeys(spec: KeySpec, hash: Hash): Promise<CryptoKeyPair> {
  if (spec.kind === 'ec') {
    return (await subtle.generateKey({ name: 'ECDSA', namedCurve: spec.curve }, true, ['sign', 'verify'])) as CryptoKeyPair;
  }
  const cacheKey = `${spec.bits}/${hash}`;
  let keys = rsaKeyCache.get(cacheKey);
  if (!keys) {
    keys = subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]), hash },
      true,
      ['sign', 'verify'],
    ) as Promise<CryptoKeyPair>;
    rsaKeyCache.set(cacheKey, keys);
  }
  return keys;
}

function algorithmFor(spec: KeySpec, hash: Hash): Algorithm {
  return spec.kind === 'ec' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5', hash };
}

export async function issue(options: IssueOptions): Promise<Issued> {
  const hash = options.hash ?? 'SHA-256';
  const key = options.key ?? { kind: 'ec', curve: 'P-256' };
  const keys = await generateKeys(key, hash);
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - DAY);
  const notAfter = options.notAfter ?? new Date(now + 90 * DAY);
  const extensions: x509.Extension[] = [];
  if (!options.omitBasicConstraints) extensions.push(new x509.BasicConstraintsExtension(Boolean(options.isCa), undefined, true));
  extensions.push(
    new x509.KeyUsagesExtension(
      options.isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
  );
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (options.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey));
  if (options.sans && options.sans.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.sans.map((name) => (name.startsWith('ip:') ? { type: 'ip' as const, value: name.slice(3) } : { type: 'dns' as const, value: name })),
      ),
    );
  }
  const signer = options.issuer ?? null;
  const signingAlgorithm = signer ? { ...(signer.signingAlgorithm as object), hash } : algorithmFor(key, hash);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(4, '0') + Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0'),
    subject: options.subject,
    issuer: signer ? signer.cert.subject : options.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: signer ? signer.keys.privateKey : keys.privateKey,
    signingAlgorithm: signingAlgorithm as never,
    extensions,
  });
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey));
  return {
    cert,
    keys,
    certPem: cert.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8.buffer, 'PRIVATE KEY'),
    der: new Uint8Array(cert.rawData),
    signingAlgorithm: algorithmFor(key, 'SHA-256'),
  };
}

export function daysFromNow(days: number, now = Date.now()): Date {
  return new Date(now + days * DAY);
}

/** A root, an intermediate and a leaf for `names`, with the leaf's dates and key adjustable. */
export async function chainFor(names: readonly string[], leaf: Partial<IssueOptions> = {}, intermediate: Partial<IssueOptions> = {}) {
  const root = await issue({ subject: 'CN=certwatch test root', isCa: true, notAfter: daysFromNow(3650) });
  const inter = await issue({ subject: 'CN=certwatch test intermediate', isCa: true, issuer: root, notAfter: daysFromNow(1825), ...intermediate });
  const end = await issue({ subject: `CN=${names[0]}`, sans: names, issuer: inter, ...leaf });
  return { root, intermediate: inter, leaf: end };
}
