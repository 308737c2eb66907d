import * as tls from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import { parseTarget } from '../../functions/core/target';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { issue, type Issued } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';

// Tier 2: the chain the probe reports is the one Node reads on a connection with the same trust: the same certificates
// in the same order (Node's walk of the served certificates, then the trust store's issuers of the last one), and the
// same verdict on the name, whatever the server sends and whatever the store holds; read through
// getPeerCertificate(true), never getPeerX509Certificate() (which, in Node 20, leaks the served intermediates).

const dir = mkdtempSync(join(tmpdir(), 'certwatch-served-chain-'));
const servers: RunningServer[] = [];
afterAll(() => Promise.all(servers.map((server) => server.close())));

/** What Node itself reads on a connection with the same trust: the chain's fingerprints and the name check's message. */
async function nodeReading(port: number, servername: string, ca: readonly string[]): Promise<{ chain: string[]; identity: string | null }> {
  const secureContext = tls.createSecureContext();
  for (const pem of ca) secureContext.context.addCACert(pem);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, secureContext, checkServerIdentity: () => undefined }, () => {
      const peer = socket.getPeerCertificate(true);
      const chain: string[] = [];
      for (let cert: tls.DetailedPeerCertificate | undefined = peer; cert?.raw && !chain.includes(cert.fingerprint256); cert = cert.issuerCertificate) chain.push(cert.fingerprint256);
      const identity = tls.checkServerIdentity(servername, peer)?.message ?? null;
      socket.destroy();
      resolve({ chain, identity });
    });
    socket.once('error', reject);
  });
}

/**
 * The probe's readings of one server, each of which must be Node's: a probe's first chain for a trust store, the same
 * chain again, and the chain of a probe that first read an unrelated one (nothing a reading leaves behind changes the
 * next).
 */
async function probeReadings(port: number, servername: string, ca: readonly string[]): Promise<Record<string, { chain: string[]; identity: string | null }>> {
  const caFiles = ca.length > 0 ? [join(dir, `ca-${port}.pem`)] : [];
  if (ca.length > 0) writeFileSync(caFiles[0], ca.join('\n'));
  const read = async (probe: TlsProbe, at = port, name = servername) => {
    const observation = await probe.probe(parseTarget(`127.0.0.1:${at}`, name), { ...CHECK_DEFAULTS, timeoutMs: 3000, caFiles });
    return { chain: observation.chain.map((cert) => cert.fingerprintSha256), identity: observation.hostnameMismatch };
  };
  const fresh = new TlsProbe();
  const first = await read(fresh);
  const again = await read(fresh);
  const primed = new TlsProbe();
  await read(primed, primer.port, 'primer.test');
  return { first, again, primedElsewhere: await read(primed) };
}

/** The probe's mismatch text is Node's message, quoted: only whether both found one, and Node's detail in it. */
function sameIdentity(probe: string | null, node: string | null): boolean {
  if (probe === null || node === null) return probe === node;
  return probe.includes(node.replace(/^Hostname\/IP does not match certificate's altnames: /, '').slice(0, 150));
}

let root: Issued;
let otherRoot: Issued;
let i1: Issued;
let i2: Issued;
let unrelated: Issued;
let crossSigned: Issued;
/** A chain no store here can complete: what a probe reads first in probeReadings' third reading. */
let primer: RunningServer;

beforeAll(async () => {
  root = await issue({ subject: 'CN=chain root', isCa: true });
  otherRoot = await issue({ subject: 'CN=other root', isCa: true });
  i1 = await issue({ subject: 'CN=chain inter 1', issuer: root, isCa: true });
  i2 = await issue({ subject: 'CN=chain inter 2', issuer: i1, isCa: true });
  unrelated = await issue({ subject: 'CN=unrelated', isCa: true });
  // The root's name and key, issued by another root: a store may hold either.
  crossSigned = await issue({ subject: 'CN=chain root', issuer: otherRoot, isCa: true });
  const strangerCa = await issue({ subject: 'CN=stranger ca', isCa: true });
  const strangerLeaf = await issue({ subject: 'CN=primer.test', sans: ['primer.test'], issuer: strangerCa });
  primer = await startTlsServer({ key: strangerLeaf, chain: [strangerLeaf] });
  servers.push(primer);
});

describe('the chain reported is the one Node reads, for any served shape and trust store', () => {
  const shapes: Record<string, (leaf: Issued) => Issued[]> = {
    'in order': (leaf) => [leaf, i2, i1],
    'in order, with the root': (leaf) => [leaf, i2, i1, root],
    'out of order': (leaf) => [leaf, i1, i2],
    'with a certificate that is no part of it': (leaf) => [leaf, i2, unrelated, i1],
    'the leaf alone': (leaf) => [leaf],
    'the intermediate twice': (leaf) => [leaf, i2, i2, i1],
    'the leaf twice': (leaf) => [leaf, leaf, i2],
    'with the cross-signed root': (leaf) => [leaf, i2, i1, crossSigned],
  };
  const stores: Record<string, () => string[]> = {
    "Node's roots alone": () => [],
    'the root': () => [root.certPem],
    'the intermediate, not the root': () => [i1.certPem],
    'the other root': () => [otherRoot.certPem],
  };
  for (const [shape, served] of Object.entries(shapes)) {
    test(shape, async () => {
      const leaf = await issue({ subject: 'CN=shape.test', sans: ['shape.test', 'www.shape.test'], issuer: i2 });
      const server = await startTlsServer({ key: leaf, chain: served(leaf) });
      servers.push(server);
      for (const [store, ca] of Object.entries(stores)) {
        for (const name of ['shape.test', 'other.test']) {
          const node = await nodeReading(server.port, name, ca());
          for (const [reading, probe] of Object.entries(await probeReadings(server.port, name, ca()))) {
            expect({ store, name, reading, chain: probe.chain }).toEqual({ store, name, reading, chain: node.chain });
            expect({ store, name, reading, same: sameIdentity(probe.identity, node.identity) }).toEqual({ store, name, reading, same: true });
          }
        }
      }
    });
  }
});

describe('the name is checked as Node checks it', () => {
  const leaves: Record<string, () => Promise<Issued>> = {
    'a common name and no SAN': () => issue({ subject: 'CN=cn-only.test', issuer: i2 }),
    'a wildcard common name and no SAN': () => issue({ subject: 'CN=*.cn.test', issuer: i2 }),
    'IP SANs only, and a common name': () => issue({ subject: 'CN=cn-only.test', sans: ['ip:127.0.0.1'], issuer: i2 }),
    'an escaped common name': () => issue({ subject: 'CN=a\\,b.test+O=x', issuer: i2 }),
    'two common names': () => issue({ subject: 'CN=one.test, CN=two.test', issuer: i2 }),
  };
  for (const [kind, make] of Object.entries(leaves)) {
    test(kind, async () => {
      const leaf = await make();
      const server = await startTlsServer({ key: leaf, chain: [leaf, i2, i1] });
      servers.push(server);
      for (const name of ['cn-only.test', 'x.cn.test', 'one.test', 'two.test', 'nothing.test']) {
        const node = await nodeReading(server.port, name, [root.certPem]);
        for (const [reading, probe] of Object.entries(await probeReadings(server.port, name, [root.certPem]))) {
          expect({ name, reading, same: sameIdentity(probe.identity, node.identity), node: node.identity }).toEqual({ name, reading, same: true, node: node.identity });
        }
      }
    });
  }
});

test('the chain is never read through getPeerX509Certificate(), which leaks every served certificate after the leaf in Node 20', async () => {
  const leaf = await issue({ subject: 'CN=leak.test', sans: ['leak.test'], issuer: i2 });
  const server = await startTlsServer({ key: leaf, chain: [leaf, i2, i1] });
  servers.push(server);
  const x509Reading = jest.spyOn(tls.TLSSocket.prototype, 'getPeerX509Certificate');
  const legacyReading = jest.spyOn(tls.TLSSocket.prototype, 'getPeerCertificate');
  try {
    const readings = await probeReadings(server.port, 'leak.test', [root.certPem]);
    expect(Object.values(readings).map((reading) => reading.chain.length)).toEqual([4, 4, 4]);
    expect(x509Reading).not.toHaveBeenCalled();
    expect(legacyReading).toHaveBeenCalled();
  } finally {
    x509Reading.mockRestore();
    legacyReading.mockRestore();
  }
});
