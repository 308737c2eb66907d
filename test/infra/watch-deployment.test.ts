import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../functions/core/config';
import { parseProbeBatch, probeBatchMessage, WATCH_PLAN_FILE } from '../../functions/core/watch-plan';
import { prepareWatchDeployment } from '../../infra/watch-deployment';
import { issue } from '../support/pki';

// What synth makes of a config for the functions: the watch plan (no addresses) and the CA files, read now.

let dir: string;
let rootPem: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-plan-'));
  rootPem = (await issue({ subject: 'CN=Plan Root', isCa: true })).certPem;
  writeFileSync(join(dir, 'root.pem'), rootPem);
  writeFileSync(join(dir, 'empty.pem'), 'no certificate here\n');
});

const audiences = { owners: { emails: ['team@example.com'] }, oncall: { sms: ['+15551234567'] } };

test('each CA file is read once, shipped as ca/<sha256>.pem, and the targets name it so; the plan carries no address', () => {
  const config = parseConfig({
    targets: ['a.test', { target: 'b.test', caFile: join(dir, 'root.pem') }, { target: 'c.test', caFile: join(dir, 'root.pem'), owner: 'payments' }],
    check: { caFile: join(dir, 'root.pem') },
    audiences,
  });
  const deployment = prepareWatchDeployment(config, { concurrency: 256, batchSize: 2, source: 'certwatch.config.json' });
  const names = Object.keys(deployment.workerFiles);
  expect(names).toEqual([expect.stringMatching(/^ca\/[0-9a-f]{64}\.pem$/)]);
  expect(deployment.workerFiles[names[0]]).toBe(rootPem);
  expect(deployment.plan.shared.check?.caFile).toBe(names[0]);
  expect(deployment.plan.batches).toEqual([['a.test', { target: 'b.test', caFile: names[0] }], [{ target: 'c.test', caFile: names[0], owner: 'payments' }]]);
  expect(Object.keys(deployment.scheduledFiles)).toEqual([WATCH_PLAN_FILE]);
  expect(deployment.scheduledFiles[WATCH_PLAN_FILE]).not.toMatch(/team@example\.com|5551234567/);

  // What a worker parses is the same watch, its CA files inside its bundle.
  const { config: batch } = parseProbeBatch(JSON.stringify(probeBatchMessage(deployment.plan, 1, { runId: 'r', sentAt: new Date() })));
  expect(batch.targets).toEqual([{ target: 'c.test', caFiles: [names[0], names[0]], owner: 'payments', tags: {} }]);
  expect(batch.policy).toEqual(config.policy);
  // The config set no check.concurrency: the worker's handshakes at once are the deployment's.
  expect(config.check.givenConcurrency).toBeNull();
  expect(batch.check).toMatchObject({ concurrency: 256, givenConcurrency: 256 });
});

test('a CA file holding no certificate fails synth, naming the file, rather than every probe of every run', () => {
  const config = parseConfig({ targets: [{ target: 'b.test', caFile: join(dir, 'empty.pem') }], audiences });
  expect(() => prepareWatchDeployment(config, { concurrency: 256, batchSize: 100, source: 'certwatch.config.json' })).toThrow(ConfigError);
  expect(() => prepareWatchDeployment(config, { concurrency: 256, batchSize: 100, source: 'certwatch.config.json' })).toThrow(`certwatch.config.json: CA file ${join(dir, 'empty.pem')} holds no PEM certificate`);
});

test('a certificate file is refused, naming it: the functions have no file system to watch', () => {
  const withFile = parseConfig({ targets: ['a.test', 'file://certs/server.pem'], audiences });
  expect(() => prepareWatchDeployment(withFile, { concurrency: 256, batchSize: 100, source: 'certwatch.config.json' })).toThrow(
    'certwatch.config.json: targets.1: certificate files cannot be watched here (no file system to watch in Lambda)',
  );
});

test('a config of ACM and IAM alone has a plan of no batch: its probe runs complete as they start', () => {
  const acmOnly = parseConfig({ acm: { regions: ['eu-west-1'] }, audiences });
  const { plan } = prepareWatchDeployment(acmOnly, { concurrency: 256, batchSize: 100, source: 'certwatch.config.json' });
  expect(plan.batches).toEqual([]);
  expect(plan.shared.acm).toEqual({ regions: ['eu-west-1'], roles: [] });
});
