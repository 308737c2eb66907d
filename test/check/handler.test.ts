import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handler } from '../../functions/check/handler';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';

// The on-demand Lambda: same results as the CLI for a valid event, a clear error for a malformed one.

let server: RunningServer;
let caFile: string;

beforeAll(async () => {
  const { root, intermediate } = await chainFor(['unused.test']);
  const leaf = await issue({ subject: 'CN=lambda.test', sans: ['lambda.test'], issuer: intermediate, notAfter: daysFromNow(10, Date.now() + 60_000) });
  server = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
  caFile = join(mkdtempSync(join(tmpdir(), 'certwatch-lambda-')), 'ca.pem');
  writeFileSync(caFile, root.certPem);
});

afterAll(() => server.close());

test('returns one result per target, in order, with CLI option names', async () => {
  const results = await handler({
    targets: [`127.0.0.1:${server.port}`, { target: `localhost:${server.port}`, servername: 'lambda.test' }, 'not a target'],
    options: { servername: 'lambda.test', caFile, warningDays: 14, criticalDays: 3, timeoutMs: 2000, concurrency: 2 },
  });
  expect(results.map((r) => r.error?.code ?? r.status)).toEqual(['warning', 'warning', 'INVALID_TARGET']);
  expect(results[0]).toMatchObject({ daysRemaining: 10, trusted: true, servername: 'lambda.test' });
  expect(results[0].findings.map((f) => f.code)).toEqual(['EXPIRES_SOON']);
});

test('options are optional: defaults as in the CLI', async () => {
  const [result] = await handler({ targets: [{ target: `127.0.0.1:${server.port}`, servername: 'lambda.test', caFile }] });
  expect(result).toMatchObject({ status: 'warning', daysRemaining: 10 });
});

describe('a malformed event gets an InvalidEventError naming the field', () => {
  test.each([
    [null, '(event)'],
    ['example.com', '(event)'],
    [{}, 'targets'],
    [{ targets: [] }, 'targets: give at least one target'],
    [{ targets: [42] }, 'targets.0'],
    [{ targets: ['a.test'], options: { warningDays: -1 } }, 'options.warningDays'],
    [{ targets: ['a.test'], options: { timeoutMs: 'soon' } }, 'options.timeoutMs'],
    [{ targets: ['a.test'], options: { criticalDays: 40 } }, 'options.criticalDays: criticalDays must not exceed warningDays'],
    [{ targets: ['a.test'], options: { colour: true } }, 'colour'],
    [{ targets: ['a.test'], extra: 1 }, 'extra'],
  ])('%j', async (event, field) => {
    await expect(handler(event)).rejects.toMatchObject({ name: 'InvalidEventError', message: expect.stringContaining(field) });
  });
});
