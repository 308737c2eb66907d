#!/usr/bin/env node
// The TLS server the throughput bench connects to, run in its own process so that its handshake work does not
// share an event loop with the client being measured. Generates a root, an intermediate and a leaf at start,
// serves leaf + intermediate on 127.0.0.1:0, writes the root to a PEM file, and reports
// { port, servername, caFile, keyType, leaves } as one JSON line on stdout (and over IPC when started with fork()).
// --leaves K issues K leaves (same key, own serial numbers) and serves them in turn, one per connection, so
// that a client cannot get away with parsing one leaf once: the realistic case of many endpoints, one CA.
//
//   node bench/tls-server.mjs [--rsa] [--leaves K] [--ca-file FILE]
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { parseArgs } from 'node:util';
import * as x509 from '@peculiar/x509';

const BENCH_SERVERNAME = 'bench.certwatch.test';
const DAY = 86_400_000;
let serial = 1;

x509.cryptoProvider.set(webcrypto);
const { subtle } = webcrypto;

/** RSA-2048 with SHA-256 or EC P-256 with SHA-256: the two key types public endpoints serve today. */
function algorithmFor(keyType) {
  return keyType === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
}

async function issue({ subject, issuer, keyType, isCa, sans, validDays, keys: givenKeys }) {
  const algorithm = algorithmFor(keyType);
  const keys = givenKeys ?? (await subtle.generateKey(algorithm, true, ['sign', 'verify']));
  const extensions = [
    new x509.BasicConstraintsExtension(isCa, undefined, true),
    new x509.KeyUsagesExtension(isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  if (sans) extensions.push(new x509.SubjectAlternativeNameExtension(sans.map((value) => ({ type: 'dns', value }))));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `${(serial++).toString(16).padStart(6, '0')}${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}`,
    subject,
    issuer: issuer ? issuer.cert.subject : subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + validDays * DAY),
    publicKey: keys.publicKey,
    signingKey: (issuer ?? { keys }).keys.privateKey,
    signingAlgorithm: issuer ? issuer.algorithm : algorithm,
    extensions,
  });
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey);
  return { cert, keys, algorithm, certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

async function main() {
  const { values } = parseArgs({ options: { rsa: { type: 'boolean', default: false }, leaves: { type: 'string', default: '1' }, 'ca-file': { type: 'string' } } });
  const keyType = values.rsa ? 'rsa' : 'ec';
  const leafCount = Number(values.leaves);
  if (!Number.isInteger(leafCount) || leafCount < 1) throw new Error(`--leaves must be a whole number >= 1, not "${values.leaves}"`);
  const root = await issue({ subject: 'CN=certwatch bench root', keyType, isCa: true, validDays: 3650 });
  const intermediate = await issue({ subject: 'CN=certwatch bench intermediate', issuer: root, keyType, isCa: true, validDays: 1825 });
  const leaves = [];
  for (let i = 0; i < leafCount; i++) {
    const keys = leaves[0]?.keys; // one key for all: RSA key generation alone would take minutes for thousands
    leaves.push(await issue({ subject: `CN=${BENCH_SERVERNAME}`, issuer: intermediate, keyType, isCa: false, sans: [BENCH_SERVERNAME], validDays: 90, keys }));
  }
  const caFile = values['ca-file'] ?? join(mkdtempSync(join(tmpdir(), 'certwatch-bench-')), 'root.pem');
  writeFileSync(caFile, root.certPem);

  const credentials = (leaf) => ({ key: leaf.keyPem, cert: `${leaf.certPem}\n${intermediate.certPem}` });
  const contexts = leafCount > 1 ? leaves.map((leaf) => tls.createSecureContext(credentials(leaf))) : [];
  let served = 0;
  const server = tls.createServer({
    ...credentials(leaves[0]),
    // Both clients send SNI, so the callback picks the next leaf; with one leaf it is not installed at all.
    ...(leafCount > 1 ? { SNICallback: (_servername, callback) => callback(null, contexts[served++ % leafCount]) } : {}),
  });
  // The client hangs up as soon as it has the chain; closing our side at once keeps no idle sockets around.
  server.on('secureConnection', (socket) => {
    socket.on('error', () => undefined);
    socket.end();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve);
  });
  const ready = { port: server.address().port, servername: BENCH_SERVERNAME, caFile, keyType, leaves: leafCount };
  if (process.send) process.send(ready);
  else process.stdout.write(`${JSON.stringify(ready)}\n`);

  const stop = () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref(); // a client killed mid-handshake must not keep us up
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop); // the parent went away: do not linger
}

main().catch((error) => {
  process.stderr.write(`tls-server: ${error?.stack ?? error}\n`);
  process.exit(1);
});
