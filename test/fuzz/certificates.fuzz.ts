// The certificate parser (parseCertificate, what every probe reports from) fuzzed against OpenSSL's own reading:
// random byte edits of an EC and an RSA leaf; for each edit OpenSSL still takes for a certificate with readable
// dates (node:crypto's X509Certificate, as a TLS handshake reads it), the parser must read it too, with the same
// notAfter. A throw, or another date, is a bug: a served certificate reported as PROTOCOL_ERROR without its dates,
// or with dates OpenSSL does not see. Run by test/fuzz/run.ts (`npm run fuzz`): count x 50 edits.
import { X509Certificate } from 'node:crypto';
import { parseCertificate } from '../../functions/core/certificate-parser';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { counted, type Fuzz, seededRandom } from './fuzzing';

/** Bytes that change how DER is read: string and time tags, lengths, structure. */
const STRUCTURAL = [0x00, 0x0c, 0x13, 0x16, 0x1e, 0x17, 0x18, 0x80, 0x81, 0xff, 0x30, 0xa0, 0x04];

export const fuzzCertificates: Fuzz = async ({ count, seed, report }) => {
  const { random, below, pick } = seededRandom(seed);
  const { leaf } = await chainFor(['app.test', 'www.app.test', 'ip:10.0.0.1'], { notAfter: daysFromNow(200) });
  const rsa = await issue({ subject: 'rsa.test', key: { kind: 'rsa', bits: 2048 }, sans: ['rsa.test'] });
  const bugs = new Map<string, number>();
  let openSslTook = 0;
  let read = 0;
  for (let i = 0; i < count * 50; i++) {
    const der = Buffer.from(pick([leaf.der, rsa.der]));
    for (let edits = below(3); edits >= 0; edits--) der[below(der.length)] = random() < 0.5 ? below(256) : pick(STRUCTURAL);
    let openSsl: X509Certificate;
    try {
      openSsl = new X509Certificate(der);
    } catch {
      continue;
    }
    const notAfter = new Date(openSsl.validTo);
    if (Number.isNaN(notAfter.getTime()) || Number.isNaN(new Date(openSsl.validFrom).getTime())) continue; // OpenSSL's "Bad time value"
    openSslTook++;
    try {
      const info = parseCertificate(der);
      read++;
      if (info.notAfter !== notAfter.toISOString()) counted(bugs, `notAfter ${info.notAfter} where OpenSSL reads ${notAfter.toISOString()}`);
    } catch (error) {
      counted(bugs, `not read: ${(error as Error).name} ${(error as Error).message.replace(/\d+/g, 'N')}`);
    }
  }
  report(`edits OpenSSL reads: ${openSslTook}, read by the parser: ${read}`);
  return bugs;
};
