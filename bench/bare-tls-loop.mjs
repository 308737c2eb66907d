#!/usr/bin/env node
// The baseline certwatch is measured against: the least a Node program must do to read N certificate chains.
// tls.connect, wait for secureConnect, getPeerCertificate(true), destroy; `concurrency` connections at a time.
// Prints { ok, failed, firstError } as JSON and exits 1 if any handshake failed.
//
//   node bench/bare-tls-loop.mjs --port PORT [--host 127.0.0.1] [--count 2000] [--concurrency 50] [--servername NAME]
import * as tls from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    count: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '50' },
    servername: { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});
const port = Number(values.port);
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
if (!Number.isInteger(port) || port <= 0) throw new Error('bare-tls-loop: --port PORT is required');

function readChain() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: values.host, port, servername: values.servername, rejectUnauthorized: false });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no handshake within ${timeoutMs} ms`)));
    socket.once('secureConnect', () => {
      const chain = socket.getPeerCertificate(true);
      socket.destroy();
      if (chain?.raw) resolve(chain);
      else reject(new Error('the server sent no certificate'));
    });
    socket.once('error', reject);
  });
}

let next = 0;
let ok = 0;
let failed = 0;
let firstError = null;
async function worker() {
  while (next < count) {
    next++;
    try {
      await readChain();
      ok++;
    } catch (error) {
      failed++;
      firstError ??= error.message;
    }
  }
}

await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
process.stdout.write(`${JSON.stringify({ ok, failed, firstError })}\n`);
process.exitCode = failed === 0 ? 0 : 1;
