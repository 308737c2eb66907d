import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlannedNotification } from '../../functions/core/watch-state';
import { ConsoleNotifier, FileNotifier } from '../../functions/notify/local-notifiers';
import { renderMessage } from '../../functions/notify/render/render-message';
import { NOW, planned as criticalNotice } from '../support/notification-fixture';

const DECIDED_AT = '2026-11-29T04:59:00.000Z';
const FILE_LINE_KEYS = ['kind', 'stage', 'audiences', 'certificateId', 'target', 'daysRemaining', 'subject', 'email', 'sms', 'at'];

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
      audiences: ['owners', 'oncall'],
      certificateId: 'tls:api.example.com:443',
      target: 'api.example.com:443',
      daysRemaining: 2,
      subject: rendered.subject,
      email: rendered.email,
      sms: rendered.sms,
      at: DECIDED_AT,
    });
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
});
