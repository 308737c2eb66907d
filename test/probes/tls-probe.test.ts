import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { checkTargets, type CheckRequest, type CheckSettings } from '../../functions/use-cases/check-targets';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import type { CheckResult } from '../../functions/core/check-result';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { nodeRootsAreBundled, pemsNotAmong } from '../../functions/probes/trust-store';
import { fingerprintSha256 } from '../../functions/core/x509-names';
import { chainFor, daysFromNow, issue, type Issued } from '../support/pki';
import { certificate, cn, dnsName, extension, name, OIDS, subjectAltName, toPem, utcTime } from '../support/der-builder';
import { closedPort, startTcpServer, startTlsServer, type RunningServer } from '../support/servers';
import { createResolver } from '../../functions/probes/dns/create-resolver';

// Tier 2: the TLS probe through the check use case, against real TLS servers on loopback.

const dir = mkdtempSync(join(tmpdir(), 'certwatch-tls-'));
const servers: RunningServer[] = [];
let root: Issued;
let intermediate: Issued;
let caFile: string;

function writePem(name: string, ...certs: Issued[]): string {
  const file = join(dir, name);
  writeFileSync(file, certs.map((c) => c.certPem).join('\n'));
  return file;
}

async function serve(chain: Pick<Issued, 'certPem'>[], key: Pick<Issued, 'keyPem'> = chain[0] as Issued, securityLevel?: number) {
  const server = await startTlsServer({ key, chain }, { securityLevel });
  servers.push(server);
  return server;
}

async function check(target: string, settings: Partial<CheckSettings> = {}, request: Partial<CheckRequest> = {}): Promise<CheckResult> {
  const [result] = await checkTargets([{ target, ...request }], { ...CHECK_DEFAULTS, timeoutMs: 3000, ...settings }, { probe: new TlsProbe(), resolver: createResolver(), now: () => new Date() });
  return result;
}

const codes = (result: CheckResult) => result.findings.map((f) => f.code).sort();

beforeAll(async () => {
  ({ root, intermediate } = await chainFor(['unused.test']));
  caFile = writePem('root.pem', root);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function leafFor(names: string[], options: Parameters<typeof issue>[0] extends infer O ? Partial<O> : never = {}) {
  return issue({ subject: `CN=${names[0]}`, sans: names, issuer: intermediate, ...options });
}

describe('a healthy chain under a private CA', () => {
  test('is ok and trusted when the CA is given, and reports the served chain leaf first', async () => {
    const leaf = await leafFor(['ok.test'], { notAfter: daysFromNow(90) });
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'ok.test' });
    expect(result).toMatchObject({ status: 'ok', trusted: true, findings: [], error: null, daysRemaining: 89, protocol: 'tls', servername: 'ok.test' });
    expect(result.notAfter).toBe(leaf.cert.notAfter.toISOString());
    expect(result.chain.map((c) => c.subject)).toEqual(['CN=ok.test', 'CN=certwatch test intermediate', 'CN=certwatch test root']);
    expect(result.leaf).toMatchObject({ subject: 'CN=ok.test', issuer: 'CN=certwatch test intermediate', sans: ['ok.test'], keyAlgorithm: 'EC', keySize: 256, signatureAlgorithm: 'ecdsa-with-SHA256' });
    expect(result.leaf!.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // Taken from Node's reading of the handshake, in the very form certwatch computes from the DER.
    expect(result.leaf!.fingerprintSha256).toBe(fingerprintSha256(leaf.der));
  });

  test('without the CA the same chain ends at an untrusted root, still with its dates', async () => {
    const leaf = await leafFor(['private.test']);
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { servername: 'private.test' });
    expect(result.status).toBe('critical');
    expect(result.trusted).toBe(false);
    expect(codes(result)).toEqual(['UNTRUSTED_ROOT']);
    expect(result.notAfter).toBe(leaf.cert.notAfter.toISOString());
  });
});

describe('expiry', () => {
  test.each([
    [20, 'warning', 'warning'],
    [3, 'critical', 'critical'],
  ])('a leaf with %i days left is %s with EXPIRES_SOON', async (days, status, severity) => {
    const leaf = await leafFor(['soon.test'], { notAfter: daysFromNow(days, Date.now() + 60_000) });
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'soon.test' });
    expect(result.status).toBe(status);
    expect(result.daysRemaining).toBe(days);
    expect(result.findings).toEqual([expect.objectContaining({ code: 'EXPIRES_SOON', severity })]);
  });

  test('an expired leaf is still read: dates reported, and an untrusted root is not hidden by the expiry', async () => {
    const leaf = await leafFor(['expired.test'], { notBefore: daysFromNow(-100), notAfter: daysFromNow(-2, Date.now() + 60_000) });
    const server = await serve([leaf, intermediate]);
    const trusted = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'expired.test' });
    expect(trusted).toMatchObject({ status: 'expired', daysRemaining: -2, trusted: true });
    expect(codes(trusted)).toEqual(['EXPIRED']);
    const untrusted = await check(`127.0.0.1:${server.port}`, { servername: 'expired.test' });
    expect(untrusted.status).toBe('expired');
    expect(codes(untrusted)).toEqual(['EXPIRED', 'UNTRUSTED_ROOT']);
  });

  test('an intermediate that expires before the leaf governs notAfter', async () => {
    const shortIntermediate = await issue({ subject: 'CN=short intermediate', isCa: true, issuer: root, notAfter: daysFromNow(10) });
    const leaf = await issue({ subject: 'CN=inter.test', sans: ['inter.test'], issuer: shortIntermediate, notAfter: daysFromNow(80) });
    const server = await serve([leaf, shortIntermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'inter.test' });
    expect(result.notAfter).toBe(shortIntermediate.cert.notAfter.toISOString());
    expect(result.status).toBe('warning');
    expect(result.findings[0].message).toContain('intermediate "CN=short intermediate"');
  });

  test('a root the server also sends does not count towards notAfter', async () => {
    const shortRoot = await issue({ subject: 'CN=short root', isCa: true, notAfter: daysFromNow(5) });
    const leaf = await issue({ subject: 'CN=root.test', sans: ['root.test'], issuer: shortRoot, notAfter: daysFromNow(60) });
    const server = await serve([leaf, shortRoot]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [writePem('short-root.pem', shortRoot)], servername: 'root.test' });
    expect(result.chain).toHaveLength(2);
    expect(result.notAfter).toBe(leaf.cert.notAfter.toISOString());
    expect(result).toMatchObject({ status: 'ok', trusted: true });
  });

  test('a certificate not valid yet is critical with NOT_YET_VALID', async () => {
    const leaf = await leafFor(['future.test'], { notBefore: daysFromNow(2), notAfter: daysFromNow(60) });
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'future.test' });
    expect(result.status).toBe('critical');
    expect(codes(result)).toEqual(['NOT_YET_VALID']);
    expect(result.trusted).toBe(true);
  });
});

describe('trust and identity', () => {
  test('a self-signed leaf is SELF_SIGNED', async () => {
    const self = await issue({ subject: 'CN=self.test', sans: ['self.test'] });
    const server = await serve([self]);
    const result = await check(`127.0.0.1:${server.port}`, { servername: 'self.test' });
    expect(result.status).toBe('critical');
    expect(codes(result)).toEqual(['SELF_SIGNED']);
    expect(result.notAfter).toBe(self.cert.notAfter.toISOString());
  });

  test('a server that omits its intermediate is INCOMPLETE_CHAIN (no AIA fetching)', async () => {
    const leaf = await leafFor(['incomplete.test']);
    const server = await serve([leaf]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'incomplete.test' });
    expect(codes(result)).toEqual(['INCOMPLETE_CHAIN']);
    expect(result.findings[0].message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('a served, untrusted root is UNTRUSTED_ROOT', async () => {
    const leaf = await leafFor(['served-root.test']);
    const server = await serve([leaf, intermediate, root]);
    const result = await check(`127.0.0.1:${server.port}`, { servername: 'served-root.test' });
    expect(codes(result)).toEqual(['UNTRUSTED_ROOT']);
    expect(result.findings[0].message).toContain('SELF_SIGNED_CERT_IN_CHAIN');
  });

  test('an intermediate that is not a CA is CHAIN_INVALID', async () => {
    const notCa = await issue({ subject: 'CN=not a ca', issuer: root, omitBasicConstraints: true, isCa: true });
    const leaf = await issue({ subject: 'CN=invalid.test', sans: ['invalid.test'], issuer: notCa });
    const server = await serve([leaf, notCa]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'invalid.test' });
    expect(codes(result)).toEqual(['CHAIN_INVALID']);
    expect(result.status).toBe('critical');
  });

  /**
   * Serves a leaf for `host`, issued by the intermediate with `extensions` as given (bytes a library may refuse),
   * valid for `days` more days, and checks it: what OpenSSL serves, the probe must report with its dates.
   */
  async function checkLeafWithExtensions(host: string, days: number, extensions: Uint8Array[]) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const notAfter = new Date(Math.floor(daysFromNow(days).getTime() / 1000) * 1000);
    const der = certificate({
      issuer: new Uint8Array(intermediate.cert.subjectName.toArrayBuffer()),
      subject: name(cn(host)),
      notBefore: utcTime(daysFromNow(-1)),
      notAfter: utcTime(notAfter),
      spki: publicKey.export({ type: 'spki', format: 'der' }),
      extensions,
      signingKey: intermediate.keyPem,
    });
    const leaf = { certPem: toPem(der), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    const server = await serve([leaf, intermediate], leaf);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: host });
    expect(result.error).toBeNull();
    expect(result.notAfter).toBe(notAfter.toISOString());
    expect(result.daysRemaining).toBe(days - 1);
    // Clients reject it: OpenSSL will not pair a leaf holding an invalid extension with its issuer, and Node links
    // the served chain with that same check, so the intermediate is not seen either.
    expect(codes(result)).toEqual(['INCOMPLETE_CHAIN']);
    expect(result.status).toBe('critical');
    return result;
  }

  test('a leaf with a malformed basicConstraints extension is still read: its dates and names are reported, not PROTOCOL_ERROR', async () => {
    // a SEQUENCE that claims 5 bytes and holds 1: OpenSSL serves it, a full decode refuses it
    const result = await checkLeafWithExtensions('odd-extension.test', 60, [extension(OIDS.basicConstraints, Buffer.from([0x30, 0x05, 0x01]), true), subjectAltName(dnsName('odd-extension.test'))]);
    expect(result.leaf).toMatchObject({ subject: 'CN=odd-extension.test', sans: ['odd-extension.test'], issuer: 'CN=certwatch test intermediate' });
  });

  test('a leaf whose subjectAltName neither reader takes is read as OpenSSL reads it: its dates reported, no names', async () => {
    // a GeneralName tagged [9], which no GeneralName is: OpenSSL serves it (it reads the extension only when asked).
    // Node matches the name against the common name then, the SANs being unreadable.
    const result = await checkLeafWithExtensions('odd-names.test', 45, [extension('2.5.29.17', Buffer.from([0x30, 0x03, 0x89, 0x01, 0x61]))]);
    expect(result.leaf).toMatchObject({ subject: 'CN=odd-names.test', issuer: 'CN=certwatch test intermediate', sans: [], keyAlgorithm: 'EC', keySize: 256, signatureAlgorithm: 'ecdsa-with-SHA256' });
  });

  test('a name the certificate does not cover is HOSTNAME_MISMATCH', async () => {
    const leaf = await leafFor(['right.test']);
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'wrong.test' });
    expect(result.status).toBe('critical');
    expect(codes(result)).toEqual(['HOSTNAME_MISMATCH']);
    expect(result.findings[0].message).toContain('wrong.test');
  });

  test('a leaf with thousands of names that does not match gets a bounded message', async () => {
    const leaf = await leafFor(Array.from({ length: 3000 }, (_, i) => `host-${i}.many.test`));
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'other.test' });
    expect(codes(result)).toEqual(['HOSTNAME_MISMATCH']);
    expect(result.findings[0].message.length).toBeLessThan(300);
    expect(result.findings[0].message).toContain('host-0.many.test');
  });

  test('roots from NODE_EXTRA_CA_CERTS stay trusted when --ca-file adds another CA', async () => {
    const leaf = await leafFor(['extra.test']);
    const server = await serve([leaf, intermediate]);
    const unrelated = writePem('unrelated.pem', (await chainFor(['u.test'])).root);
    const cli = join(__dirname, '..', '..', 'bin', 'certwatch.js');
    // Alone, and inside a system-like bundle that repeats Node's own roots (wrapped differently, CRLF): the roots
    // Node bundles are left out when a context adds the file back; the private CA among them is not.
    const bundle = join(dir, 'system-bundle.pem');
    const rewrapped = tls.rootCertificates.map((pem) => pem.replace(/\n/g, '').replace(/(-----BEGIN CERTIFICATE-----)(.+)(-----END CERTIFICATE-----)/, (_, begin: string, body: string, end: string) => [begin, ...(body.match(/.{1,76}/g) ?? []), end].join('\r\n')));
    writeFileSync(bundle, [...rewrapped.slice(0, 70), root.certPem, ...rewrapped.slice(70)].join('\r\n'));
    for (const extraCaCerts of [caFile, bundle]) {
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: extraCaCerts };
      for (const extra of [[], ['--ca-file', unrelated]]) {
        const { stdout } = await promisify(execFile)(process.execPath, [cli, 'check', '--json', '--servername', 'extra.test', ...extra, `127.0.0.1:${server.port}`], { env });
        expect(JSON.parse(stdout)[0]).toMatchObject({ status: 'ok', trusted: true, findings: [] });
      }
    }
  });

  test("a bundle's certificates that are among Node's roots are told apart whatever their line breaks", () => {
    const [first, second, third] = tls.rootCertificates;
    const rewrapped = `${second.replace(/\n/g, '\r\n')}\r\n`;
    const folded = third.replace(/\n/g, '');
    const kept = pemsNotAmong([root.certPem, rewrapped, intermediate.certPem, folded], [first, second, third]);
    expect(kept).toEqual([root.certPem, intermediate.certPem]);
    expect(pemsNotAmong([root.certPem], [])).toEqual([root.certPem]);
    expect(pemsNotAmong([], [first])).toEqual([]);
  });

  test("Node's roots count as its bundle unless --use-openssl-ca (or a build using OpenSSL's store) says otherwise", () => {
    expect(nodeRootsAreBundled([], '', undefined)).toBe(true);
    expect(nodeRootsAreBundled(['--use-openssl-ca'], '', undefined)).toBe(false);
    expect(nodeRootsAreBundled([], '--max-old-space-size=512 --use-openssl-ca', undefined)).toBe(false);
    expect(nodeRootsAreBundled([], '', 'true')).toBe(false);
    expect(nodeRootsAreBundled([], '', true)).toBe(false);
    expect(nodeRootsAreBundled(['--use-bundled-ca'], '', true)).toBe(true);
    expect(nodeRootsAreBundled(['--use-bundled-ca'], '--use-openssl-ca', undefined)).toBe(true);
    expect(nodeRootsAreBundled([], '', false)).toBe(true);
  });

  test('an IP target without a servername is verified against the IP SANs and sends no SNI', async () => {
    const leaf = await leafFor(['ip.test', 'ip:127.0.0.1']);
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile] });
    expect(result).toMatchObject({ status: 'ok', servername: null });
    expect(server.servernames).toEqual([]);
  });

  test('SNI selects the certificate for the name asked, over IPv4 and IPv6', async () => {
    const fallback = await leafFor(['default.test']);
    const named = await leafFor(['named.test']);
    for (const host of ['127.0.0.1', '::1']) {
      const server = await startTlsServer({ key: fallback, chain: [fallback, intermediate] }, { host, byServername: { 'named.test': { key: named, chain: [named, intermediate] } } });
      servers.push(server);
      const address = host === '::1' ? `[::1]:${server.port}` : `${host}:${server.port}`;
      const result = await check(address, { caFiles: [caFile] }, { servername: 'named.test' });
      expect(result).toMatchObject({ status: 'ok', host, servername: 'named.test', target: address });
      expect(result.leaf?.subject).toBe('CN=named.test');
      expect(server.servernames).toContain('named.test');
    }
  });
});

describe('weak crypto', () => {
  test('an RSA-1024 leaf is WEAK_KEY and a warning', async () => {
    const leaf = await leafFor(['weak.test'], { key: { kind: 'rsa', bits: 1024 } });
    const server = await serve([leaf, intermediate]);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [caFile], servername: 'weak.test' });
    expect(result.leaf).toMatchObject({ keyAlgorithm: 'RSA', keySize: 1024 });
    expect(codes(result)).toContain('WEAK_KEY');
    expect(result.status).not.toBe('ok');
  });

  test('a SHA-1 signature on the leaf is WEAK_SIGNATURE; on the root it is not counted', async () => {
    const sha1Root = await issue({ subject: 'CN=sha1 root', isCa: true, hash: 'SHA-1', key: { kind: 'rsa', bits: 2048 } });
    const leaf = await issue({ subject: 'CN=sha1.test', sans: ['sha1.test'], issuer: sha1Root, hash: 'SHA-1' });
    const server = await serve([leaf, sha1Root], leaf, 0);
    const result = await check(`127.0.0.1:${server.port}`, { caFiles: [writePem('sha1-root.pem', sha1Root)], servername: 'sha1.test' });
    expect(result.leaf?.signatureAlgorithm).toBe('sha1WithRSAEncryption');
    const weak = result.findings.filter((f) => f.code === 'WEAK_SIGNATURE');
    expect(weak).toHaveLength(1);
    expect(weak[0].message).toContain('CN=sha1.test');
  });
});

describe('errors, one per target, never stopping the others', () => {
  test('malformed, unknown, refused and working targets come back in input order', async () => {
    const leaf = await leafFor(['mixed.test', 'ip:127.0.0.1']);
    const server = await serve([leaf, intermediate]);
    const refused = await closedPort();
    const results = await checkTargets(
      [{ target: 'bad target' }, { target: 'nonexistent.invalid' }, { target: `127.0.0.1:${refused}` }, { target: `127.0.0.1:${server.port}` }],
      { ...CHECK_DEFAULTS, caFiles: [caFile], timeoutMs: 3000, concurrency: 4 },
      { probe: new TlsProbe(), resolver: createResolver(), now: () => new Date() },
    );
    expect(results.map((r) => r.error?.code ?? r.status)).toEqual(['INVALID_TARGET', 'DNS_NOT_FOUND', 'CONNECTION_REFUSED', 'ok']);
    expect(results[0]).toMatchObject({ target: 'bad target', daysRemaining: null, leaf: null, chain: [], trusted: false });
    expect(results[1].error?.message).toContain('nonexistent.invalid');
  });

  test('an unreadable per-target CA file is CA_FILE_UNREADABLE for that target', async () => {
    const result = await check('127.0.0.1:1', {}, { caFiles: [join(dir, 'missing.pem')] });
    expect(result.error).toEqual({ code: 'CA_FILE_UNREADABLE', message: expect.stringContaining('missing.pem') });
  });

  test('prepare builds the trust stores ahead: the CA file is read then, and a set it cannot use is left for the probes to report', async () => {
    const leaf = await leafFor(['prepared.test'], { notAfter: daysFromNow(90) });
    const server = await serve([leaf, intermediate]);
    const prepared = writePem('prepared-root.pem', root);
    const missing = join(dir, 'never-written.pem');
    const probe = new TlsProbe();
    expect(() => probe.prepare([[prepared], [missing]])).not.toThrow();
    // Read at prepare: the file gone since does not matter to the store built from it.
    rmSync(prepared);
    const settings = { ...CHECK_DEFAULTS, timeoutMs: 3000 };
    const deps = { probe, resolver: createResolver(), now: () => new Date() };
    const [trusted, unreadable] = await checkTargets(
      [
        { target: `127.0.0.1:${server.port}`, servername: 'prepared.test', caFiles: [prepared] },
        { target: `127.0.0.1:${server.port}`, servername: 'prepared.test', caFiles: [missing] },
      ],
      settings,
      deps,
    );
    expect(trusted).toMatchObject({ status: 'ok', trusted: true });
    expect(unreadable.error).toEqual({ code: 'CA_FILE_UNREADABLE', message: expect.stringContaining('never-written.pem') });
    // Without prepare, the same removed file is unreadable when the first probe needs it.
    const [late] = await checkTargets([{ target: `127.0.0.1:${server.port}`, servername: 'prepared.test', caFiles: [prepared] }], settings, { ...deps, probe: new TlsProbe() });
    expect(late.error?.code).toBe('CA_FILE_UNREADABLE');
  });

  test('a server that never speaks is a TIMEOUT', async () => {
    const silent = await startTcpServer(() => undefined);
    servers.push(silent);
    const result = await check(`127.0.0.1:${silent.port}`, { timeoutMs: 300 });
    expect(result.error?.code).toBe('TIMEOUT');
  });

  test('a server that drips bytes forever is a TIMEOUT', async () => {
    const drip = await startTcpServer((socket) => {
      const header = Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00]); // a TLS record header promising 16 KiB
      let sent = 0;
      const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(sent < header.length ? header.subarray(sent, ++sent) : Buffer.from([0]))), 20);
      socket.on('close', () => clearInterval(timer));
    });
    servers.push(drip);
    const result = await check(`127.0.0.1:${drip.port}`, { timeoutMs: 400 });
    expect(result.error?.code).toBe('TIMEOUT');
  });

  test('a server that answers in plaintext is a PROTOCOL_ERROR', async () => {
    const plain = await startTcpServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    servers.push(plain);
    const result = await check(`127.0.0.1:${plain.port}`);
    expect(result.error?.code).toBe('PROTOCOL_ERROR');
    expect(result.error?.message).toContain('did not answer with TLS');
  });

  test('a server that resets mid-handshake is CONNECTION_RESET', async () => {
    const reset = await startTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    servers.push(reset);
    const result = await check(`127.0.0.1:${reset.port}`);
    expect(result.error?.code).toBe('CONNECTION_RESET');
  });

  test('a server that sends a fatal handshake alert is TLS_HANDSHAKE_FAILED', async () => {
    const alert = await startTcpServer((socket) => socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))));
    servers.push(alert);
    const result = await check(`127.0.0.1:${alert.port}`);
    expect(result.error?.code).toBe('TLS_HANDSHAKE_FAILED');
  });
});
