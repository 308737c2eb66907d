#!/usr/bin/env node
// dynalite (in memory) behind a proxy that counts DynamoDB requests by operation (X-Amz-Target), in a process of its
// own so that neither costs the measured process CPU. Reports { endpoint } over IPC once listening; answers the
// message 'counts' with { Operation: requests } so far. Started by bench/deployed-functions.mjs.
import * as http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const target = server.address().port;
const counts = {};

const proxy = http.createServer((request, response) => {
  const operation = String(request.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, '');
  counts[operation] = (counts[operation] ?? 0) + 1;
  const forward = http.request({ host: '127.0.0.1', port: target, method: request.method, path: request.url, headers: request.headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 500, answer.headers);
    answer.pipe(response);
  });
  forward.on('error', () => response.destroy());
  request.pipe(forward);
});
proxy.keepAliveTimeout = 60_000;
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
process.send({ endpoint: `http://127.0.0.1:${proxy.address().port}` });
process.on('message', (message) => {
  if (message === 'counts') process.send({ ...counts });
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
