// The certificate-file readers (`check file://...`) fuzzed: random byte edits (flips, cuts, insertions, deletions,
// tag and length bytes) of files in every format certwatch reads (DER, PEM, PKCS#7, PKCS#12 with each cipher, with
// and without a MAC), read through the real adapter. What a hostile or damaged file may give: certificates, entries
// naming their problem, or a NOT_A_CERTIFICATE / PASSWORD_REQUIRED error. Anything else (FILE_UNREADABLE with a
// library's words, a TypeError) is a reader bug. Run by test/fuzz/run.ts (`npm run fuzz`). The seed files are
// written at each run (fresh keys, salts), so a run does not repeat exactly; each bug found has a repeatable test in
// test/probes/files/certificate-files.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProbeError } from '../../functions/core/ports';
import { CertificateFiles } from '../../functions/probes/files/certificate-files';
import { writePkcs12 } from '../support/pkcs12-writer';
import { chainFor, daysFromNow } from '../support/pki';
import { type Fuzz, seededRandom } from './fuzzing';

/** Bytes that change how ASN.1 is read: long and indefinite lengths, time, string and structure tags. */
const STRUCTURAL = [0x00, 0x04, 0x06, 0x17, 0x18, 0x1c, 0x2c, 0x30, 0x80, 0x81, 0x82, 0x84, 0xa0, 0xff];

function edited(bytes: Uint8Array, below: (n: number) => number): Uint8Array {
  const out = Buffer.from(bytes);
  const at = below(out.length);
  switch (below(5)) {
    case 0:
      for (let i = below(4); i >= 0; i--) out[below(out.length)] = below(256);
      return out;
    case 1:
      return out.subarray(0, at);
    case 2:
      return Buffer.concat([out.subarray(0, at), Buffer.from([below(256), below(256)]), out.subarray(at)]);
    case 3:
      out[at] = STRUCTURAL[below(STRUCTURAL.length)];
      return out;
    default:
      return Buffer.concat([out.subarray(0, at), out.subarray(at + below(40))]);
  }
}

export const fuzzCertificateFiles: Fuzz = async ({ count, seed, report }) => {
  const { random, below } = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-fuzz-'));
  try {
    const { root, intermediate, leaf } = await chainFor(['app.test', 'www.app.test'], { notAfter: daysFromNow(200) });
    const pemPath = join(dir, 'chain.pem');
    writeFileSync(pemPath, [leaf, intermediate, root].map((c) => c.certPem).join('\n'));
    const password = 'fuzz';
    const p12 = (certificateSafe: 'pbes2-aes256' | 'pkcs12-3des' | 'pkcs12-rc2-40' | 'none', mac: 'sha256' | 'sha1' | 'none') =>
      writePkcs12({ certificates: [leaf.der, intermediate.der], password, certificateSafe, mac, iterations: 1 });
    const seeds: Record<string, Uint8Array> = {
      DER: leaf.der,
      PEM: readFileSync(pemPath),
      'PKCS#7': execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pemPath, '-outform', 'DER']),
      'PKCS#12 AES, MAC': p12('pbes2-aes256', 'sha256'),
      'PKCS#12 AES, no MAC': p12('pbes2-aes256', 'none'),
      'PKCS#12 3DES, MAC': p12('pkcs12-3des', 'sha1'),
      'PKCS#12 RC2, no MAC': p12('pkcs12-rc2-40', 'none'),
      'PKCS#12 unencrypted, no MAC': p12('none', 'none'),
    };
    const files = new CertificateFiles();
    const bugs = new Map<string, number>();
    const path = join(dir, 'edited');
    for (const [format, bytes] of Object.entries(seeds)) {
      const outcomes = new Map<string, number>();
      for (let i = 0; i < count; i++) {
        writeFileSync(path, edited(random() < 0.3 ? edited(bytes, below) : bytes, below));
        let outcome: string;
        try {
          const entries = await files.read(path, { password: format.startsWith('PKCS#12') ? password : undefined, caFiles: [] });
          outcome = entries.some((entry) => 'problem' in entry) ? 'entries, some with a problem' : 'certificates';
        } catch (error) {
          if (error instanceof ProbeError && (error.code === 'NOT_A_CERTIFICATE' || error.code === 'PASSWORD_REQUIRED')) {
            outcome = error.code;
          } else {
            outcome = 'BUG';
            const what = `${format}: ${error instanceof ProbeError ? error.code : (error as Error).name} ${(error as Error).message.replaceAll(path, 'FILE')}`;
            bugs.set(what, (bugs.get(what) ?? 0) + 1);
          }
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      report(`${format.padEnd(28)} ${[...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
    }
    return bugs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
