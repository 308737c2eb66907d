import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressSeen, PlannedNotification } from '../../functions/core/watch-state';
import { ConsoleNotifier, FileNotifier } from '../../functions/notify/local-notifiers';
import { renderMessage } from '../../functions/notify/render/render-message';
import { NOW, planned as criticalNotice } from '../support/notification-fixture';

const DECIDED_AT = '2026-11-29T04:59:00.000Z';
const FILE_LINE_KEYS = ['kind', 'stage', 'stageNow', 'corrects', 'audiences', 'certificateId', 'target', 'daysRemaining', 'addresses', 'addressCount', 'staleAddresses', 'addressSummary', 'subject', 'email', 'sms', 'at'];

const planned = (overrides: Partial<PlannedNotification> = {}) => criticalNotice({ decidedAt: DECIDED_AT, ...overrides });

const recovery = () => planned({ id: `tls:api.example.com:443/recovery/critical/${DECIDED_AT}`, kind: 'recovery', status: 'ok' });

describe('FileNotifier', () => {
  let directory: string;
  let path: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'certwatch-notify-'));
    path = join(directory, 'notifications.jsonl');
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  const readLines = async () => (await readFile(path, 'utf8')).split('\n');

  test('writes one JSON line per notification with exactly the documented keys', async () => {
    const notification = planned();
    const result = await new FileNotifier(path, { now: () => NOW }).publish(notification);

    expect(result).toEqual({ messageId: `file:${notification.id}` });
    const lines = await readLines();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(FILE_LINE_KEYS);
    const rendered = renderMessage(notification, NOW);
    expect(line).toEqual({
      kind: 'expiry',
      stage: 'critical',
      stageNow: null,
      corrects: null,
      audiences: ['owners', 'oncall'],
      certificateId: 'tls:api.example.com:443',
      target: 'api.example.com:443',
      daysRemaining: 2,
      addresses: null,
      addressCount: null,
      staleAddresses: [],
      addressSummary: null,
      subject: rendered.subject,
      email: rendered.email,
      sms: rendered.sms,
      at: DECIDED_AT,
    });
  });

  test('a notice about a pool carries each address, what it serves, and which are stale, as data beside the texts', async () => {
    const renewed = '2027-02-27T05:00:00.000Z';
    const old = '2026-12-01T10:00:00.000Z';
    const addresses: AddressSeen[] = [
      { address: '10.0.0.5', fingerprintSha256: '12:34', notAfter: renewed, errorCode: null },
      { address: '10.0.0.6', fingerprintSha256: 'AB:CD', notAfter: old, errorCode: 'CONNECTION_REFUSED' },
      { address: '10.0.0.7', fingerprintSha256: 'AB:CD', notAfter: old, errorCode: null },
    ];
    await new FileNotifier(path, { now: () => NOW }).publish(planned({ addresses, addressCount: 40 }));

    const line = JSON.parse((await readLines())[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ addresses, addressCount: 40, staleAddresses: ['10.0.0.6', '10.0.0.7'] });
    expect(line.addressSummary).toMatch(/^at most 38 of 40 addresses serve the renewed certificate; 10\.0\.0\.7 still serves the one expiring 2026-12-01; 10\.0\.0\.6 could not be checked/);
    expect(line.email).toContain(line.addressSummary);
  });

  test('a correction after a clock that was ahead says, as data, what it corrects and the stage the certificate is in', async () => {
    const correction = { ...recovery(), stage: 'expired', corrects: { stage: 'expired', decidedAt: '2026-12-19T04:59:00.000Z' }, stageNow: 'urgent' };
    await new FileNotifier(path, { now: () => NOW }).publish(correction);
    const line = JSON.parse((await readLines())[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ kind: 'recovery', stage: 'expired', stageNow: 'urgent', corrects: { stage: 'expired', decidedAt: '2026-12-19T04:59:00.000Z' } });
    expect(line.email).toContain('sent early, by a clock that was ahead; the stage is "urgent"');
  });

  test('appends to an existing file and across notifier instances, never overwriting', async () => {
    await writeFile(path, '{"kind":"expiry","earlier":true}\n');

    await new FileNotifier(path, { now: () => NOW }).publish(planned());
    await new FileNotifier(path, { now: () => NOW }).publish(recovery());

    const lines = (await readLines()).filter((line) => line !== '');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0])).toEqual({ kind: 'expiry', earlier: true });
    expect(lines.slice(1).map((line) => (JSON.parse(line) as { kind: string }).kind)).toEqual(['expiry', 'recovery']);
  });

  test('concurrent publishes still give one whole line each', async () => {
    const notifier = new FileNotifier(path, { now: () => NOW });
    const kinds = ['expiry', 'recovery', 'error', 'digest'] as const;

    await Promise.all(kinds.map((kind) => notifier.publish(planned({ id: kind, kind, digest: kind === 'digest' ? [] : undefined }))));

    const lines = (await readLines()).filter((line) => line !== '');
    expect(lines.map((line) => (JSON.parse(line) as { kind: string }).kind).sort()).toEqual([...kinds].sort());
    for (const line of lines) expect(Object.keys(JSON.parse(line) as object)).toEqual(FILE_LINE_KEYS);
  });

  test('a password in a target never reaches the file', async () => {
    await new FileNotifier(path, { now: () => NOW }).publish(planned({ target: 'smtp://bob:hunter2@mail.example.com:25' }));

    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect((JSON.parse(text) as { target: string }).target).toBe('smtp://***@mail.example.com:25');
  });

  test('a file that cannot be written is a failure', async () => {
    await expect(new FileNotifier(join(directory, 'missing', 'n.jsonl')).publish(planned())).rejects.toThrow(/ENOENT/);
  });
});

describe('ConsoleNotifier', () => {
  test('prints one readable block per notification: kind, stage, audiences, subject, SMS and email', async () => {
    const written: string[] = [];
    const notifier = new ConsoleNotifier((text) => written.push(text), { now: () => NOW });
    const notification = planned();

    const result = await notifier.publish(notification);

    expect(result).toEqual({ messageId: `console:${notification.id}` });
    expect(written).toHaveLength(1);
    const rendered = renderMessage(notification, NOW);
    const block = written[0];
    expect(block).toContain('EXPIRY critical -> owners, oncall');
    expect(block).toContain(`Subject: ${rendered.subject}`);
    expect(block).toContain(`SMS:     ${rendered.sms}`);
    expect(block).toContain(rendered.email.trimEnd());
    expect(block.endsWith('\n')).toBe(true);
  });

  test('a notice about a pool names the stale addresses in its SMS and email lines', async () => {
    const written: string[] = [];
    const addresses: AddressSeen[] = [
      { address: '10.0.0.5', fingerprintSha256: '12:34', notAfter: '2027-02-27T05:00:00.000Z', errorCode: null },
      { address: '10.0.0.7', fingerprintSha256: 'AB:CD', notAfter: '2026-12-01T10:00:00.000Z', errorCode: null },
    ];
    await new ConsoleNotifier((text) => written.push(text), { now: () => NOW }).publish(planned({ addresses }));

    expect(written[0]).toMatch(/^SMS: .* on 10\.0\.0\.7 \(1 of 2\)/m);
    expect(written[0]).toContain('1 of 2 addresses serve the renewed certificate; 10.0.0.7 still serves the one expiring 2026-12-01.');
  });
});
