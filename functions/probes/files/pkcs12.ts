import { createDecipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
import type forgeModule from 'node-forge';
import { childAt, childrenOf, DerShapeError, explicit, integerOf, isSequence, octetsOf, oidOf, parseElement, type DerNode } from './der-reader';

// The certificates of a PKCS#12 (.p12/.pfx) file: integrity checked with the password (the MAC), encrypted safes
// decrypted, certificate bags taken byte for byte; keys are never decrypted. Modern files (OpenSSL 3, Java 17,
// recent Windows) use PBES2 with AES, done here with node:crypto; older ones (OpenSSL 1.x, Windows, Java 8) use
// PKCS#12's own PBE with 3DES or 40-bit RC2, which node:crypto no longer has (OpenSSL 3 moved RC2 to its legacy
// provider): node-forge supplies that cipher and PKCS#12's key derivation.

/** The file needs a password it was not given, or the one given does not open it. */
export class Pkcs12PasswordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Pkcs12PasswordError';
  }
}

/** A hostile file could ask for billions of key-derivation rounds; real ones use 1 to a few hundred thousand. */
export const MAX_PKCS12_ITERATIONS = 1_000_000;

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

const HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const PRF_HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const CIPHER_BY_OID: Readonly<Record<string, { name: string; keyLength: number }>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

/** PKCS#12's own password-based encryption schemes that node-forge decrypts. */
const LEGACY_PBE_OIDS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
};

/**
 * The password as each scheme wants it: PKCS#12's MAC and legacy PBE take it as a BMPString (UTF-16, with a final
 * zero; `null` is the empty password without that zero, which some writers use); PBES2 takes its UTF-8 bytes.
 */
type Password = string | null;

interface ForgeLegacyPbe {
  generatePkcs12Key(password: Password, salt: forgeModule.util.ByteStringBuffer, id: number, iterations: number, length: number, md?: forgeModule.md.MessageDigest): forgeModule.util.ByteStringBuffer;
  getCipherForPKCS12PBE(oid: string, params: forgeModule.asn1.Asn1, password: Password): { update(data: forgeModule.util.ByteStringBuffer): void; finish(): boolean; output: forgeModule.util.ByteStringBuffer };
}
type Forge = typeof forgeModule;

/** node-forge is loaded only for a PKCS#12 file (a large library: `certwatch check` of endpoints must not pay for it). */
function forgeLibrary(): { forge: Forge; legacyPbe: ForgeLegacyPbe } {
  const forge = require('node-forge') as Forge;
  return { forge, legacyPbe: (forge.pki as unknown as { pbe: ForgeLegacyPbe }).pbe };
}

/** A PFX's parts: the authenticated safe's bytes, and its MAC when it has one. */
interface Pfx {
  readonly authSafe: Uint8Array;
  readonly mac: { readonly hash: string | null; readonly digest: Uint8Array; readonly salt: Uint8Array; readonly iterations: number } | null;
}

/** Whether the bytes are shaped like a PFX (version 3, then a ContentInfo): what to call a file that fails later. */
export function looksLikePkcs12(root: DerNode): boolean {
  try {
    const [version, authSafe] = childrenOf(root, 'PFX');
    return integerOf(version, 'version') === 3 && isSequence(authSafe) && oidOf(childAt(authSafe, 0, 'authSafe'), 'contentType') !== '';
  } catch {
    return false;
  }
}

/**
 * The DER certificates of a PFX, in bag order. With no password given, the empty password (both forms) is tried, as
 * OpenSSL does. Throws Pkcs12PasswordError when the password is missing or wrong, DerShapeError when the bytes are
 * not a PFX it can read (the message says what).
 */
export function pkcs12Certificates(root: DerNode, givenPassword: string | undefined): Uint8Array[] {
  const pfx = readPfx(root);
  const candidates: Password[] = givenPassword === undefined ? ['', null] : [givenPassword];
  const password = pfx.mac && pfx.mac.hash ? candidates.find((candidate) => macMatches(pfx, candidate)) : candidates[0];
  if (password === undefined) throw passwordError(givenPassword);
  try {
    return certificatesOfAuthSafe(pfx.authSafe, password, pfx.mac?.hash != null);
  } catch (error) {
    if (error instanceof Pkcs12PasswordError) throw passwordError(givenPassword);
    throw error;
  }
}

function passwordError(givenPassword: string | undefined): Pkcs12PasswordError {
  return new Pkcs12PasswordError(
    givenPassword === undefined
      ? 'is PKCS#12 and needs a password (give it in an environment variable, named with --password-env)'
      : 'is PKCS#12 and does not open with the password given',
  );
}

function readPfx(root: DerNode): Pfx {
  const [version, authSafeInfo, macData] = childrenOf(root, 'PFX');
  if (integerOf(version, 'PFX version') !== 3) throw new DerShapeError(`PKCS#12 version ${integerOf(version, 'PFX version')} is not supported (only 3)`);
  if (oidOf(childAt(authSafeInfo, 0, 'authSafe'), 'authSafe content type') !== OID.data) {
    throw new DerShapeError('PKCS#12 file in public-key integrity mode is not supported (only password integrity)');
  }
  const authSafe = octetsOf(explicit(childAt(authSafeInfo, 1, 'authSafe'), 0, 'authSafe content'), 'authSafe content');
  if (!macData) return { authSafe, mac: null };
  const [digestInfo, salt, iterations] = childrenOf(macData, 'MacData');
  const algorithm = childAt(digestInfo, 0, 'MAC algorithm');
  return {
    authSafe,
    mac: {
      // An integrity scheme this reader does not know (PBMAC1) is not checked: decryption still needs the password.
      hash: HASH_BY_OID[oidOf(childAt(algorithm, 0, 'MAC algorithm'), 'MAC algorithm')] ?? null,
      digest: octetsOf(childAt(digestInfo, 1, 'MAC digest'), 'MAC digest'),
      salt: octetsOf(salt, 'MAC salt'),
      iterations: iterations ? boundedIterations(integerOf(iterations, 'MAC iterations')) : 1,
    },
  };
}

function macMatches(pfx: Pfx, password: Password): boolean {
  const { forge, legacyPbe } = forgeLibrary();
  const mac = pfx.mac!;
  const md = forge.md[mac.hash as 'sha1'].create();
  const key = legacyPbe.generatePkcs12Key(password, forge.util.createBuffer(binary(mac.salt)), 3, mac.iterations, md.digestLength, md);
  const digest = createHmac(mac.hash!, Buffer.from(key.getBytes(), 'binary')).update(pfx.authSafe).digest();
  return digest.equals(mac.digest);
}

/**
 * The certificates of each ContentInfo of the authenticated safe, decrypting the encrypted ones. Without a MAC that
 * vouched for the password, a wrong one shows as bad padding or, when the padding checks out by chance (1 in 256
 * or so), as a decrypted safe that is not SafeContents.
 */
function certificatesOfAuthSafe(authSafe: Uint8Array, password: Password, macVerified: boolean): Uint8Array[] {
  const contentInfos = childrenOf(parseElement(authSafe, 'PKCS#12 authenticated safe'), 'authenticated safe');
  return contentInfos.flatMap((info) => {
    const type = oidOf(childAt(info, 0, 'ContentInfo'), 'content type');
    const content = explicit(childAt(info, 1, 'ContentInfo'), 0, 'ContentInfo content');
    if (type === OID.data) return certificatesIn(parseElement(octetsOf(content, 'SafeContents'), 'SafeContents'), 0);
    if (type !== OID.encryptedData) return []; // enveloped (public-key privacy) safes hold keys for a recipient: nothing to read here
    const plain = decrypt(content, password);
    try {
      return certificatesIn(parseElement(plain, 'decrypted SafeContents'), 0);
    } catch (error) {
      if (!macVerified && error instanceof DerShapeError) throw new Pkcs12PasswordError('decrypted safe is not SafeContents');
      throw error;
    }
  });
}

/** EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT content } } */
function decrypt(encryptedData: DerNode, password: Password): Uint8Array {
  const contentInfo = childAt(encryptedData, 1, 'EncryptedData');
  const algorithm = childAt(contentInfo, 1, 'content encryption algorithm');
  const encrypted = octetsOf(childAt(contentInfo, 2, 'encrypted content'), 'encrypted content');
  const schemeOid = oidOf(childAt(algorithm, 0, 'encryption algorithm'), 'encryption algorithm');
  const params = childAt(algorithm, 1, 'encryption parameters');
  if (schemeOid === OID.pbes2) return decryptPbes2(params, encrypted, password);
  if (LEGACY_PBE_OIDS[schemeOid]) return decryptLegacyPbe(schemeOid, params, encrypted, password);
  throw new DerShapeError(`PKCS#12 safe is encrypted with an unsupported scheme (${schemeOid})`);
}

/** PBES2: PBKDF2 then AES (or 3DES) in CBC mode. */
function decryptPbes2(params: DerNode, encrypted: Uint8Array, password: Password): Uint8Array {
  const [kdf, scheme] = childrenOf(params, 'PBES2 parameters');
  if (oidOf(childAt(kdf, 0, 'key derivation'), 'key derivation') !== OID.pbkdf2) throw new DerShapeError('PKCS#12 safe uses a key derivation other than PBKDF2');
  const kdfParams = childrenOf(childAt(kdf, 1, 'PBKDF2 parameters'), 'PBKDF2 parameters');
  const salt = octetsOf(kdfParams[0], 'PBKDF2 salt');
  const iterations = boundedIterations(integerOf(kdfParams[1], 'PBKDF2 iterations'));
  const prf = kdfParams.find((node) => isSequence(node));
  const prfOid = prf ? oidOf(childAt(prf, 0, 'PBKDF2 PRF'), 'PBKDF2 PRF') : '1.2.840.113549.2.7';
  const hash = PRF_HASH_BY_OID[prfOid];
  const cipherOid = oidOf(childAt(scheme, 0, 'encryption scheme'), 'encryption scheme');
  const cipher = CIPHER_BY_OID[cipherOid];
  if (!hash || !cipher) throw new DerShapeError(`PKCS#12 safe is encrypted with an unsupported algorithm (${hash ? cipherOid : prfOid})`);
  const iv = octetsOf(childAt(scheme, 1, 'IV'), 'IV');
  const key = pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, cipher.keyLength, hash);
  try {
    const decipher = createDecipheriv(cipher.name, key, iv);
    return new Uint8Array(Buffer.concat([decipher.update(encrypted), decipher.final()]));
  } catch {
    throw new Pkcs12PasswordError('bad decrypt');
  }
}

/** PKCS#12 PBE (3DES or 40-bit RC2, key and IV from PKCS#12's own derivation), through node-forge. */
function decryptLegacyPbe(oid: string, params: DerNode, encrypted: Uint8Array, password: Password): Uint8Array {
  boundedIterations(integerOf(childAt(params, 1, 'PBE iterations'), 'PBE iterations'));
  const { forge, legacyPbe } = forgeLibrary();
  let cipher: ReturnType<ForgeLegacyPbe['getCipherForPKCS12PBE']>;
  try {
    cipher = legacyPbe.getCipherForPKCS12PBE(oid, forge.asn1.fromDer(binary(params.valueBeforeDecodeView)), password);
  } catch (error) {
    // node-forge reads the parameters (salt, iterations) itself, and throws plain Errors on a shape it does not take.
    throw new DerShapeError(`PKCS#12 safe's encryption parameters cannot be read (${(error as Error).message})`);
  }
  cipher.update(forge.util.createBuffer(binary(encrypted)));
  if (!cipher.finish()) throw new Pkcs12PasswordError('bad decrypt');
  return new Uint8Array(Buffer.from(cipher.output.getBytes(), 'binary'));
}

/** SafeContents ::= SEQUENCE OF SafeBag { bagId, [0] bagValue, attributes }: the X.509 certificate bags, nested safes included. */
function certificatesIn(safeContents: DerNode, depth: number): Uint8Array[] {
  if (depth > 4) throw new DerShapeError('PKCS#12 safes are nested too deeply');
  return childrenOf(safeContents, 'SafeContents').flatMap((bag) => {
    const bagId = oidOf(childAt(bag, 0, 'SafeBag'), 'bag type');
    const value = explicit(childAt(bag, 1, 'SafeBag'), 0, 'bag value');
    if (bagId === OID.safeContentsBag) return certificatesIn(value, depth + 1);
    if (bagId !== OID.certBag) return []; // keys, CRLs, secrets
    if (oidOf(childAt(value, 0, 'CertBag'), 'certificate type') !== OID.x509Certificate) return [];
    return [octetsOf(explicit(childAt(value, 1, 'CertBag'), 0, 'certificate value'), 'certificate value')];
  });
}

function boundedIterations(iterations: number): number {
  if (iterations < 1 || iterations > MAX_PKCS12_ITERATIONS) throw new DerShapeError(`PKCS#12 iteration count ${iterations} is outside 1-${MAX_PKCS12_ITERATIONS.toLocaleString('en-US')}`);
  return iterations;
}

/** node-forge's byte strings: one character per byte. */
function binary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');
}
