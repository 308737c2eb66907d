#!/usr/bin/env node
// The TLS server the benches connect to, run in its own process so that its handshake work does not share an
// event loop with the client being measured. Generates a root, an intermediate and leaves at start, serves
// leaf + intermediate on 127.0.0.1:0, writes the root to a PEM file, and reports
// { port, servername, caFile, keyType, leaves, leafBy, hosts } as one JSON line on stdout (and over IPC when
// started with fork()).
//
// --leaves K issues K distinct leaves, as K endpoints of one CA would serve: each with its own key (EC; with --rsa
// a pool of 8 keys, RSA-2048 generation being slow), its own serial and subject, and 10 SANs (the bench name,
// *.bench.certwatch.test, and 8 names of its own). Which leaf a handshake gets (--leaf-by):
//   connection  the next one in turn, whatever was asked: consecutive handshakes never see the same leaf (default)
//   address     the leaf of the loopback address connected to (with --hosts: address i serves leaf i mod K)
//   servername  the leaf of the number in the SNI name's first label (n123.bench.certwatch.test: leaf 123 mod K),
//               so that many targets on one address each keep their own certificate from run to run
// --hosts H serves the same port on H loopback addresses (127.0.1.1, 127.0.1.2, ...; Linux routes all of
// 127.0.0.0/8 to lo), so that H targets are H distinct host:port pairs; the addresses are in `hosts`.
//
//   node bench/tls-server.mjs [--rsa] [--leaves K] [--leaf-by connection|address|servername] [--hosts H] [--ca-file FILE]
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { parseArgs } from 'node:util';
import * as x509 from '@peculiar/x509';

const BENCH_SERVERNAME = 'bench.certwatch.test';
const RSA_KEY_POOL = 8;
const LEAF_CHOICES = ['connection', 'address', 'servername'];
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

/** One leaf: the bench name alone; many: the bench name, a wildcard under it, and 8 names of its own (10 SANs). */
function leafSans(index, count) {
  if (count === 1) return [BENCH_SERVERNAME];
  const own = ['www', 'api', 'app', 'cdn', 'img', 'auth', 'mail', 'static'].map((label) => `${label}-${index}.site-${index}.example`);
  return [BENCH_SERVERNAME, `*.${BENCH_SERVERNAME}`, ...own];
}

async function main() {
  const { values } = parseArgs({
    options: {
      rsa: { type: 'boolean', default: false },
      leaves: { type: 'string', default: '1' },
      'leaf-by': { type: 'string', default: 'connection' },
      hosts: { type: 'string', default: '1' },
      'ca-file': { type: 'string' },
    },
  });
  const leafBy = values['leaf-by'];
  if (!LEAF_CHOICES.includes(leafBy)) throw new Error(`--leaf-by must be one of ${LEAF_CHOICES.join(', ')}, not "${leafBy}"`);
  const keyType = values.rsa ? 'rsa' : 'ec';
  const leafCount = Number(values.leaves);
  if (!Number.isInteger(leafCount) || leafCount < 1) throw new Error(`--leaves must be a whole number >= 1, not "${values.leaves}"`);
  const hostCount = Number(values.hosts);
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > 250 * 250) throw new Error(`--hosts must be a whole number in 1-62500, not "${values.hosts}"`);
  const root = await issue({ subject: 'CN=certwatch bench root', keyType, isCa: true, validDays: 3650 });
  const intermediate = await issue({ subject: 'CN=certwatch bench intermediate', issuer: root, keyType, isCa: true, validDays: 1825 });
  const leaves = [];
  for (let i = 0; i < leafCount; i++) {
    // RSA-2048 key generation takes about 0.1 s: thousands of leaves share a pool of keys. EC keys are each their own.
    const keys = keyType === 'rsa' && i >= RSA_KEY_POOL ? leaves[i % RSA_KEY_POOL].keys : undefined;
    leaves.push(await issue({ subject: leafCount === 1 ? `CN=${BENCH_SERVERNAME}` : `CN=leaf-${i}.${BENCH_SERVERNAME}`, issuer: intermediate, keyType, isCa: false, sans: leafSans(i, leafCount), validDays: 90, keys }));
  }
  const caFile = values['ca-file'] ?? join(mkdtempSync(join(tmpdir(), 'certwatch-bench-')), 'root.pem');
  writeFileSync(caFile, root.certPem);

  const credentials = (leaf) => ({ key: leaf.keyPem, cert: `${leaf.certPem}\n${intermediate.certPem}` });
  const contexts = leafCount > 1 ? leaves.map((leaf) => tls.createSecureContext(credentials(leaf))) : [];
  let served = 0;
  const nextLeaf = (_servername, callback) => callback(null, contexts[served++ % leafCount]);
  const leafOfName = (servername, callback) => {
    const number = /^[a-z]*(\d+)\./i.exec(servername ?? '')?.[1];
    if (number === undefined) nextLeaf(servername, callback);
    else callback(null, contexts[Number(number) % leafCount]);
  };
  const tlsServer = (leaf, choose) => {
    const server = tls.createServer({ ...credentials(leaf), ...(choose ? { SNICallback: choose } : {}) });
    // The client hangs up as soon as it has the chain; closing our side at once keeps no idle sockets around.
    server.on('secureConnection', (socket) => {
      socket.on('error', () => undefined);
      socket.end();
    });
    server.on('tlsClientError', () => undefined);
    return server;
  };
  // Clients send SNI, so the callback picks the leaf; with one leaf, or one server per leaf, there is none.
  const server = tlsServer(leaves[0], leafCount === 1 || leafBy === 'address' ? undefined : leafBy === 'servername' ? leafOfName : nextLeaf);
  const serverOfLeaf = leafBy === 'address' && leafCount > 1 ? leaves.map((leaf) => tlsServer(leaf)) : null;
  const listeners = hostCount === 1 ? [server] : [];
  let port;
  if (hostCount === 1) {
    await listen(server, '127.0.0.1', 0);
    port = server.address().port;
  } else {
    ({ port } = await listenOnLoopbackAddresses(hostCount, (socket, index) => (serverOfLeaf?.[index % leafCount] ?? server).emit('connection', socket), listeners));
  }
  const hosts = hostCount === 1 ? ['127.0.0.1'] : loopbackAddresses(hostCount);
  const ready = { port, servername: BENCH_SERVERNAME, caFile, keyType, leaves: leafCount, leafBy, hosts };
  if (process.send) process.send(ready);
  else process.stdout.write(`${JSON.stringify(ready)}\n`);

  const stop = () => {
    let open = listeners.length;
    for (const listener of listeners) listener.close(() => --open === 0 && process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref(); // a client killed mid-handshake must not keep us up
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop); // the parent went away: do not linger
}

function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** 127.0.1.1 ... 127.0.1.250, 127.0.2.1, ...: `count` addresses, none of them 127.0.0.1 or a broadcast address. */
function loopbackAddresses(count) {
  return Array.from({ length: count }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`);
}

/**
 * One plain TCP listener per address, all on the port the first one was given, each handing its connections (and
 * its address's index) to `onConnection`, which passes them to a TLS server (which itself listens nowhere). Retried on another port if one address's port is taken.
 */
async function listenOnLoopbackAddresses(count, onConnection, listeners) {
  const addresses = loopbackAddresses(count);
  for (let attempt = 1; ; attempt++) {
    const opened = [];
    try {
      const first = net.createServer((socket) => onConnection(socket, 0));
      opened.push(first);
      await listen(first, addresses[0], 0);
      const { port } = first.address();
      for (const [index, address] of addresses.entries()) {
        if (index === 0) continue;
        const listener = net.createServer((socket) => onConnection(socket, index));
        opened.push(listener);
        await listen(listener, address, port);
      }
      listeners.push(...opened);
      return { port };
    } catch (error) {
      await Promise.all(opened.map((listener) => new Promise((resolve) => (listener.listening ? listener.close(resolve) : resolve()))));
      if (error.code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
}

main().catch((error) => {
  process.stderr.write(`tls-server: ${error?.stack ?? error}\n`);
  process.exit(1);
});
