import { execFileSync } from 'node:child_process';
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import type { CheckResult } from '../../../functions/core/check-result';
import { CHECK_DEFAULTS } from '../../../functions/core/check-settings';
import { CertificateFiles } from '../../../functions/probes/files/certificate-files';
import { createResolver } from '../../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../../functions/probes/tls-probe';
import { checkTargets, type CheckSettings } from '../../../functions/use-cases/check-targets';
import { writePkcs12, type Pkcs12Options } from '../../support/pkcs12-writer';
import { chainFor, daysFromNow, issue, type Issued } from '../../support/pki';

// Tier 2: certificate files written at test time (PEM, DER, PKCS#7, PKCS#12 in the shapes real tools write), read
// by the real adapter through the check use case.

const dir = mkdtempSync(join(tmpdir(), 'certwatch-files-'));
let root: Issued;
let intermediate: Issued;
let leaf: Issued;

beforeAll(async () => {
  ({ root, intermediate, leaf } = await chainFor(['app.test'], { notAfter: daysFromNow(200) }));
});

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const pem = (...certs: Issued[]) => certs.map((cert) => cert.certPem).join('\n');
const codes = (result: CheckResult) => result.findings.map((finding) => finding.code).sort();

async function checkFiles(paths: string[], settings: Partial<CheckSettings> = {}): Promise<CheckResult[]> {
  return checkTargets(
    paths.map((path) => ({ target: `file://${path}` })),
    { ...CHECK_DEFAULTS, ...settings },
    { probe: new TlsProbe(), resolver: createResolver(), files: new CertificateFiles(), now: () => new Date() },
  );
}

describe('a PEM bundle', () => {
  test('gives one result per certificate, numbered in file order, each judged with the chain the file holds', async () => {
    const path = write('fullchain.pem', pem(leaf, intermediate, root));
    const results = await checkFiles([path]);
    expect(results.map((r) => r.target)).toEqual([`file://${path}#1`, `file://${path}#2`, `file://${path}#3`]);
    expect(results.map((r) => [r.status, r.trusted, r.findings])).toEqual([
      ['ok', true, []],
      ['ok', true, []],
      ['ok', true, []],
    ]);
    expect(results[0]).toMatchObject({ host: null, port: null, servername: null, protocol: null, daysRemaining: 199, error: null });
    expect(results[0].chain.map((c) => c.subject)).toEqual(['CN=app.test', 'CN=certwatch test intermediate', 'CN=certwatch test root']);
    expect(results[0].leaf?.fingerprintSha256).toBe(fingerprintOf(leaf));
  });

  test('a self-signed CA certificate (a CA bundle being shipped) is a trust anchor, judged on its dates only', async () => {
    const expiringRoot = await issue({ subject: 'CN=shipped root', isCa: true, notAfter: daysFromNow(20) });
    const [result] = await checkFiles([write('ca-bundle.pem', pem(expiringRoot))]);
    expect(result).toMatchObject({ status: 'warning', trusted: true, daysRemaining: 19 });
    expect(codes(result)).toEqual(['EXPIRES_SOON']);
  });

  test('a SHA-1 self-signature on a shipped root is no weakness, but its 1024-bit key is', async () => {
    const oldRoot = await issue({ subject: 'CN=old root', isCa: true, hash: 'SHA-1', key: { kind: 'rsa', bits: 1024 }, notAfter: daysFromNow(900) });
    const [result] = await checkFiles([write('old-root.pem', pem(oldRoot))]);
    expect(codes(result)).toEqual(['WEAK_KEY']);
  });

  test('a self-signed leaf is SELF_SIGNED, as over TLS', async () => {
    const selfSigned = await issue({ subject: 'CN=self.test', sans: ['self.test'] });
    const [result] = await checkFiles([write('self.pem', pem(selfSigned))]);
    expect(result.status).toBe('critical');
    expect(codes(result)).toEqual(['SELF_SIGNED']);
  });

  test('a leaf shipped without the intermediate that issued it is INCOMPLETE_CHAIN, until --ca-file names that CA', async () => {
    const path = write('leaf-only.pem', pem(leaf));
    const [alone] = await checkFiles([path]);
    expect(codes(alone)).toEqual(['INCOMPLETE_CHAIN']);
    expect(alone.findings[0].message).toContain('neither in the same bundle nor trusted');
    const [withCa] = await checkFiles([path], { caFiles: [write('intermediate-anchor.pem', pem(intermediate))] });
    expect(withCa).toMatchObject({ status: 'ok', trusted: true });
  });

  test('a chain that ends at a root neither shipped nor trusted is UNTRUSTED_ROOT', async () => {
    const [result] = await checkFiles([write('leaf-and-intermediate.pem', pem(leaf, intermediate))]);
    expect(codes(result)).toEqual(['UNTRUSTED_ROOT']);
  });

  test('an intermediate that expires before the leaf governs the leaf result, and has its own result too', async () => {
    const { intermediate: shortIntermediate, leaf: longLeaf, root: itsRoot } = await chainFor(['long.test'], { notAfter: daysFromNow(300) }, { notAfter: daysFromNow(5) });
    const results = await checkFiles([write('short-intermediate.pem', pem(longLeaf, shortIntermediate, itsRoot))]);
    expect(results.map((r) => [r.status, r.daysRemaining])).toEqual([
      ['critical', 4],
      ['critical', 4],
      ['ok', 3649],
    ]);
    expect(results[0].findings[0].message).toContain('intermediate "CN=certwatch test intermediate"');
  });

  test('keys and other blocks are skipped; a block cut short is its own error, the certificates before it judged', async () => {
    const text = `${leaf.keyPem}\n${pem(leaf, intermediate)}\n${root.certPem.slice(0, 200)}`;
    const path = write('cut.pem', text);
    const results = await checkFiles([path]);
    expect(results.map((r) => r.status)).toEqual(['critical', 'critical', 'error']);
    // Their root was the block cut short: the leaf's chain stops at the intermediate, the intermediate's at once.
    expect(results.slice(0, 2).map(codes)).toEqual([['UNTRUSTED_ROOT'], ['INCOMPLETE_CHAIN']]);
    expect(results[2]).toMatchObject({ target: `file://${path}#3`, error: { code: 'NOT_A_CERTIFICATE' } });
    expect(results[2].error?.message).toBe(`${path}: PEM block 3 (CERTIFICATE) is cut short: no END line`);
  });
  test('a CERTIFICATE block whose DER is cut short, or runs on past the certificate, is its own error; the others are judged', async () => {
    const block = (der: Uint8Array) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`;
    const path = write('damaged.pem', `${block(leaf.der.subarray(0, leaf.der.length - 10))}${block(Buffer.concat([leaf.der, Buffer.from([0, 0])]))}${pem(leaf, intermediate)}`);
    const results = await checkFiles([path], { caFiles: [write('damaged-root.pem', root.certPem)] });
    expect(results.map((r) => r.error?.message ?? r.status)).toEqual([
      `${path}: PEM block 1 is not a certificate (its content is cut short or corrupt)`,
      `${path}: PEM block 2 is not a certificate (data after its end)`,
      'ok',
      'ok',
    ]);
  });
});

describe('DER and PKCS#7', () => {
  test('a DER certificate, and several DER certificates written one after another', async () => {
    const [single] = await checkFiles([write('leaf.der', leaf.der)]);
    expect(single.leaf?.subject).toBe('CN=app.test');
    const chainDer = new Uint8Array([...leaf.der, ...intermediate.der, ...root.der]);
    const results = await checkFiles([write('chain.der', chainDer)]);
    expect(results.map((r) => [r.leaf?.subject, r.trusted])).toEqual([
      ['CN=app.test', true],
      ['CN=certwatch test intermediate', true],
      ['CN=certwatch test root', true],
    ]);
  });

  test.each([
    ['DER', (raw: ArrayBuffer) => new Uint8Array(raw)],
    ['PEM labelled PKCS7', (raw: ArrayBuffer) => x509.PemConverter.encode(raw, 'PKCS7')],
    ['PEM labelled CMS', (raw: ArrayBuffer) => x509.PemConverter.encode(raw, 'CMS')],
  ])('PKCS#7 as %s gives each certificate it holds, byte for byte', async (label, encode) => {
    const raw = new x509.X509Certificates([leaf.cert, intermediate.cert, root.cert]).export('raw');
    const results = await checkFiles([write(`bundle-${label.replace(/\W/g, '')}.p7b`, encode(raw))]);
    expect(results.map((r) => r.leaf?.fingerprintSha256)).toEqual([leaf, intermediate, root].map(fingerprintOf));
    expect(results.every((r) => r.status === 'ok' && r.trusted)).toBe(true);
  });
});

describe('PKCS#12', () => {
  const PASSWORD = 'correct horse battery staple';
  const p12 = (name: string, options: Partial<Pkcs12Options>) =>
    write(name, writePkcs12({ certificates: [leaf.der, intermediate.der, root.der], password: PASSWORD, certificateSafe: 'pbes2-aes256', mac: 'sha256', ...options }));

  test.each<[string, Partial<Pkcs12Options>]>([
    ['OpenSSL 3 default: AES-256 certificate safe, HMAC-SHA256', {}],
    ['OpenSSL 1.x and Windows: 40-bit RC2 certificate safe, HMAC-SHA1', { certificateSafe: 'pkcs12-rc2-40', mac: 'sha1' }],
    ['3DES certificate safe', { certificateSafe: 'pkcs12-3des', mac: 'sha1' }],
    ['certificates unencrypted, a key beside them', { certificateSafe: 'none' }],
    ['no MAC', { mac: 'none' }],
    ['a non-ASCII password', { password: 'pässwörd-密码' }],
  ])('%s: every certificate, byte for byte, with the password given', async (label, options) => {
    const key = new Uint8Array(Buffer.from(leaf.keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const path = p12(`${label.replace(/\W+/g, '-')}.p12`, { key, ...options });
    const results = await checkFiles([path], { password: options.password ?? PASSWORD });
    expect(results.map((r) => r.error)).toEqual([null, null, null]);
    expect(results.map((r) => r.leaf?.fingerprintSha256)).toEqual([leaf, intermediate, root].map(fingerprintOf));
    expect(results[0]).toMatchObject({ target: `file://${path}#1`, status: 'ok', trusted: true });
  });

  test.each<[string, string | null]>([
    ['written with an empty password', ''],
    ['written with the empty password some tools use (no final zero)', null],
  ])('a file %s opens without --password-env', async (_label, password) => {
    const results = await checkFiles([p12(`empty-${password === null ? 'null' : 'zero'}.pfx`, { password })]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  test('without a password: one PASSWORD_REQUIRED result naming the file', async () => {
    const path = p12('needs-password.p12', {});
    const results = await checkFiles([path]);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ target: `file://${path}`, status: 'error', error: { code: 'PASSWORD_REQUIRED' } });
    expect(results[0].error?.message).toBe(`${path} is PKCS#12 and needs a password (give it in an environment variable, named with --password-env)`);
  });

  test.each<[string, Partial<Pkcs12Options>]>([
    ['the MAC', {}],
    ['decryption, when there is no MAC', { mac: 'none' }],
    ['decryption of an RC2 safe, when there is no MAC', { mac: 'none', certificateSafe: 'pkcs12-rc2-40' }],
  ])('a wrong password is caught by %s: PASSWORD_REQUIRED, and the password is never shown', async (label, options) => {
    const path = p12(`wrong-${label.replace(/\W+/g, '-')}.p12`, options);
    const results = await checkFiles([path], { password: 'hunter2-wrong' });
    expect(results).toHaveLength(1);
    expect(results[0].error).toEqual({ code: 'PASSWORD_REQUIRED', message: `${path} is PKCS#12 and does not open with the password given` });
    expect(JSON.stringify(results)).not.toContain('hunter2');
  });

  // What a wrong password decrypts to when the padding happens to check out (about 1 in 256 for RC2 or 3DES, whose
  // blocks are 8 bytes): here a GeneralizedTime that is not a time, on which asn1js throws instead of reporting.
  const NOT_A_TIME = new Uint8Array([0x18, 0x01, 0x41]);

  test('without a MAC, a safe that decrypts to bytes the ASN.1 parser throws on: PASSWORD_REQUIRED', async () => {
    const path = p12('garbage-when-decrypted.p12', { mac: 'none', certificateSafe: 'pkcs12-rc2-40', safeContents: NOT_A_TIME });
    const results = await checkFiles([path], { password: PASSWORD });
    expect(results.map((r) => r.error)).toEqual([{ code: 'PASSWORD_REQUIRED', message: `${path} is PKCS#12 and does not open with the password given` }]);
  });

  test('without a MAC, a safe that decrypts to well-formed DER that is not SafeContents: PASSWORD_REQUIRED', async () => {
    const path = p12('der-when-decrypted.p12', { mac: 'none', certificateSafe: 'pbes2-aes256', safeContents: new Uint8Array([0x02, 0x01, 0x05]) });
    const results = await checkFiles([path], { password: PASSWORD });
    expect(results.map((r) => r.error?.code)).toEqual(['PASSWORD_REQUIRED']);
  });

  test('with the password vouched for by the MAC, the same bytes are a file that cannot be read, said so', async () => {
    const path = p12('garbage-safe.p12', { mac: 'sha256', certificateSafe: 'none', safeContents: NOT_A_TIME });
    const results = await checkFiles([path], { password: PASSWORD });
    expect(results).toHaveLength(1);
    expect(results[0].error?.code).toBe('NOT_A_CERTIFICATE');
    expect(results[0].error?.message).toBe(`${path} is PKCS#12 that cannot be read (SafeContents is not valid DER/BER (Wrong input string for conversion))`);
  });

  // Files a fuzzer (random byte edits of files like these) turned up: a structure cut short inside, or parameters
  // node-forge reads itself, crashed through as FILE_UNREADABLE with a TypeError's or node-forge's own words.
  describe('a hostile structure inside is NOT_A_CERTIFICATE, saying what is wrong', () => {
    /** The PFX as asn1js reads it, edited, then written again. */
    const rewritten = (bytes: Uint8Array, edit: (pfx: asn1js.Sequence) => void) => {
      const pfx = asn1js.fromBER(bytes).result as asn1js.Sequence;
      edit(pfx);
      return new Uint8Array(pfx.toBER());
    };
    const children = (node: asn1js.AsnType) => (node as asn1js.Constructed).valueBlock.value;
    /** Edits the encryption algorithm of the (first) encrypted safe, inside the authenticated safe's octets. */
    const withSafeAlgorithm = (bytes: Uint8Array, edit: (algorithm: asn1js.Sequence) => void) =>
      rewritten(bytes, (pfx) => {
        const authSafeWrapper = children(children(pfx)[1])[1];
        const authSafe = asn1js.fromBER((children(authSafeWrapper)[0] as asn1js.OctetString).getValue()).result;
        const encryptedData = children(children(children(authSafe)[0])[1])[0];
        edit(children(children(encryptedData)[1])[1] as asn1js.Sequence);
        children(authSafeWrapper)[0] = new asn1js.OctetString({ valueHex: authSafe.toBER() });
      });

    test.each<[string, () => Uint8Array, string]>([
      ['MacData without its salt', () => rewritten(writePkcs12({ certificates: [leaf.der], password: PASSWORD, certificateSafe: 'pbes2-aes256', mac: 'sha256' }), (pfx) => children(children(pfx)[2]).splice(1)), 'MAC salt is missing'],
      [
        'PBES2 parameters without the encryption scheme',
        () => withSafeAlgorithm(writePkcs12({ certificates: [leaf.der], password: PASSWORD, certificateSafe: 'pbes2-aes256', mac: 'none' }), (algorithm) => children(children(algorithm)[1]).splice(1)),
        'encryption scheme is missing',
      ],
      [
        'PBES2 parameters whose scheme is not a structure',
        () => withSafeAlgorithm(writePkcs12({ certificates: [leaf.der], password: PASSWORD, certificateSafe: 'pbes2-aes256', mac: 'none' }), (algorithm) => (children(children(algorithm)[1])[1] = new asn1js.Integer({ value: 7 }))),
        'encryption scheme should be a constructed element',
      ],
      [
        'RC2 parameters whose salt is not an octet string (node-forge reads them)',
        () => withSafeAlgorithm(writePkcs12({ certificates: [leaf.der], password: PASSWORD, certificateSafe: 'pkcs12-rc2-40', mac: 'none' }), (algorithm) => (children(children(algorithm)[1])[0] = new asn1js.Null())),
        "PKCS#12 safe's encryption parameters cannot be read",
      ],
      [
        'SafeContents that asn1js reads as a constructed string (its value a string, not elements)',
        () => writePkcs12({ certificates: [], password: PASSWORD, certificateSafe: 'none', mac: 'sha256', safeContents: new Uint8Array([0x2c, 0x03, 0x04, 0x01, 0x01]) }),
        'SafeContents should be a constructed element',
      ],
      [
        'SafeContents holding a UniversalString whose length is not a multiple of 4 (asn1js throws a RangeError)',
        () => writePkcs12({ certificates: [], password: PASSWORD, certificateSafe: 'none', mac: 'sha256', safeContents: new Uint8Array([0x1c, 0x03, 0x00, 0x00, 0x41]) }),
        'SafeContents is not valid DER/BER',
      ],
    ])('%s', async (label, hostile, detail) => {
      const path = write(`hostile-${label.replace(/\W+/g, '-')}.p12`, hostile());
      const results = await checkFiles([path], { password: PASSWORD });
      expect(results).toHaveLength(1);
      expect(results[0].error?.code).toBe('NOT_A_CERTIFICATE');
      expect(results[0].error?.message).toContain(`${path} is PKCS#12 that cannot be read (`);
      expect(results[0].error?.message).toContain(detail);
    });
  });

  test('an absurd iteration count is refused before any key derivation', async () => {
    const hostile = writePkcs12({ certificates: [leaf.der], password: PASSWORD, certificateSafe: 'pbes2-aes256', mac: 'none', declaredIterations: 2_000_000_000 });
    const [refused] = await checkFiles([write('absurd.p12', hostile)], { password: PASSWORD });
    expect(refused.error?.code).toBe('NOT_A_CERTIFICATE');
    expect(refused.error?.message).toContain('iteration count 2000000000 is outside 1-1,000,000');
  });
});

describe('a file that cannot be judged is one error with its own code, the others judged', () => {
  test.each<[string, () => string | Uint8Array, string, string]>([
    ['empty', () => '', 'NOT_A_CERTIFICATE', 'is empty'],
    ['garbage bytes', () => new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 73 + 11) % 256)), 'NOT_A_CERTIFICATE', 'holds no certificate'],
    ['text that is not PEM', () => 'hello, this is not a certificate\n', 'NOT_A_CERTIFICATE', 'holds no certificate'],
    ['a key alone', () => leaf.keyPem, 'NOT_A_CERTIFICATE', 'holds no certificate (only PRIVATE KEY)'],
    ['a truncated DER certificate', () => leaf.der.subarray(0, 120), 'NOT_A_CERTIFICATE', 'holds no certificate'],
    [
      'a truncated PKCS#12 file',
      () => writePkcs12({ certificates: [leaf.der], password: 'x', certificateSafe: 'pbes2-aes256', mac: 'sha256' }).subarray(0, 200),
      'NOT_A_CERTIFICATE',
      'holds no certificate',
    ],
  ])('%s', async (label, contentOf, code, message) => {
    const bad = write(`bad-${label.replace(/\W+/g, '-')}`, contentOf());
    const good = write(`good-${label.replace(/\W+/g, '-')}.pem`, pem(leaf, intermediate, root));
    const results = await checkFiles([bad, good]);
    expect(results.map((r) => r.status)).toEqual(['error', 'ok', 'ok', 'ok']);
    expect(results[0]).toMatchObject({ target: `file://${bad}`, error: { code } });
    expect(results[0].error?.message).toContain(bad);
    expect(results[0].error?.message).toContain(message);
  });

  test('a missing file is FILE_NOT_FOUND; a folder, a FIFO or a device FILE_UNREADABLE, each at once (the input-file guard)', async () => {
    const folder = join(dir, 'a-folder.pem');
    mkdirSync(folder);
    const fifo = join(dir, 'a-fifo.pem');
    execFileSync('mkfifo', [fifo]);
    const results = await checkFiles([join(dir, 'nope.pem'), folder, fifo, '/dev/zero']);
    expect(results.map((r) => r.error)).toEqual([
      { code: 'FILE_NOT_FOUND', message: `${join(dir, 'nope.pem')} does not exist` },
      { code: 'FILE_UNREADABLE', message: `${folder} cannot be read (a directory, not a regular file)` },
      { code: 'FILE_UNREADABLE', message: `${fifo} cannot be read (a FIFO, not a regular file)` },
      { code: 'FILE_UNREADABLE', message: '/dev/zero cannot be read (a character device, not a regular file)' },
    ]);
  });

  test('without a file system (the Lambda), a file target is INVALID_TARGET', async () => {
    const [result] = await checkTargets([{ target: 'file://x.pem' }], CHECK_DEFAULTS, { probe: new TlsProbe(), resolver: createResolver(), now: () => new Date() });
    expect(result.error?.code).toBe('INVALID_TARGET');
    expect(result.error?.message).toContain('certificate files cannot be read here');
  });
});

/** The fingerprint of the bytes the test wrote: what a certificate read back must have. */
function fingerprintOf(issued: Issued): string {
  return createHash('sha256').update(issued.der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}
