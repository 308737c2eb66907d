import { parseCertificate } from '../../functions/core/certificate-parser';
import { issue } from '../support/pki';

describe('parseCertificate', () => {
  test('reads names, dates, key and signature of an RSA certificate', async () => {
    const rsa = await issue({ subject: 'CN=rsa.test, O=Example', sans: ['rsa.test', 'ip:10.0.0.1'], key: { kind: 'rsa', bits: 2048 } });
    const info = parseCertificate(rsa.der);
    expect(info).toMatchObject({
      subject: 'CN=rsa.test, O=Example',
      issuer: 'CN=rsa.test, O=Example',
      sans: ['rsa.test', 'ip:10.0.0.1'],
      keyAlgorithm: 'RSA',
      keySize: 2048,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      selfIssued: true,
      notAfter: rsa.cert.notAfter.toISOString(),
      notBefore: rsa.cert.notBefore.toISOString(),
      serialNumber: rsa.cert.serialNumber.toUpperCase(),
    });
  });

  test('P-384 keys report 384 bits', async () => {
    const ec = await issue({ subject: 'CN=ec.test', key: { kind: 'ec', curve: 'P-384' }, hash: 'SHA-384' });
    expect(parseCertificate(ec.der)).toMatchObject({ keyAlgorithm: 'EC', keySize: 384, signatureAlgorithm: 'ecdsa-with-SHA384' });
  });

  test('a certificate with 1000 SANs is read whole', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `host-${i}.many.test`);
    const many = await issue({ subject: 'CN=many.test', sans: names });
    const info = parseCertificate(many.der);
    expect(info.sans).toHaveLength(1000);
    expect(info.sans[999]).toBe('host-999.many.test');
  });

  test('an MD5 signature the library will not describe is still named, from its OID', async () => {
    const rsa = await issue({ subject: 'CN=md5.test', key: { kind: 'rsa', bits: 2048 } });
    // sha256WithRSAEncryption (1.2.840.113549.1.1.11) -> md5WithRSAEncryption (...1.1.4): same length, patched in place.
    const der = Buffer.from(rsa.der);
    const oid = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]);
    for (let at = der.indexOf(oid); at >= 0; at = der.indexOf(oid, at + 1)) der[at + oid.length - 1] = 0x04;
    expect(parseCertificate(der).signatureAlgorithm).toBe('md5WithRSAEncryption');
  });

  test('bytes that are not a certificate throw', () => {
    expect(() => parseCertificate(new Uint8Array([1, 2, 3]))).toThrow();
  });
});
