import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import { ConfigError, configInputFor, configJsonSchema, parseConfig } from '../../functions/core/config';
import { DEFAULT_LIFETIME_CAP, DEFAULT_POLICY, stageAt } from '../../functions/core/escalation/policy';
import { keysWritten, loadConfigFile, membersParsed } from '../../functions/config-file/load-config-file';
import { chainFor } from '../support/pki';

const minimal = { targets: ['example.com'], audiences: { owners: { emails: ['team@example.com'] }, oncall: { sms: ['+15551234567'] } } };

function problems(json: unknown): string[] {
  try {
    parseConfig(json, 'test.json');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  test('fills defaults: check thresholds and the default escalation policy', () => {
    const config = parseConfig(minimal);
    expect(config.check).toEqual({ warningDays: 30, criticalDays: 7, timeoutMs: 10_000, concurrency: 16, givenConcurrency: null, maxAddresses: 16, dnsServers: [] });
    expect(config.check).toEqual({ ...CHECK_DEFAULTS, givenConcurrency: null, dnsServers: [] });
    expect(parseConfig({ ...minimal, check: { concurrency: 64 } }).check).toMatchObject({ concurrency: 64, givenConcurrency: 64 });
    expect(config.policy).toEqual(DEFAULT_POLICY);
    expect(config.targets).toEqual([{ target: 'example.com', caFiles: [], owner: null, tags: {} }]);
    expect(config.audiences.owners).toEqual({ emails: ['team@example.com'], sms: [] });
    expect(config.digest).toBeNull();
  });

  test('target objects carry servername, CA files (shared first), owner and tags', () => {
    const config = parseConfig({
      ...minimal,
      check: { caFile: '/etc/ca/root.pem' },
      targets: [{ target: '10.0.0.5:8443', servername: 'api.internal', caFile: 'extra.pem', owner: 'payments', tags: ['prod'] }, { target: 'x.test', tags: { env: 'dev' } }],
    });
    expect(config.targets[0]).toEqual({ target: '10.0.0.5:8443', servername: 'api.internal', caFiles: ['/etc/ca/root.pem', 'extra.pem'], owner: 'payments', tags: { prod: '' } });
    expect(config.targets[1].tags).toEqual({ env: 'dev' });
  });

  test('check.maxAddresses and check.dnsServers: every address of a name, at the DNS servers given', () => {
    const config = parseConfig({ ...minimal, check: { maxAddresses: 4, dnsServers: ['10.0.0.2', '10.0.0.3:5353', '[2001:db8::53]:53'] } });
    expect(config.check.maxAddresses).toBe(4);
    expect(config.check.dnsServers).toEqual([
      { address: '10.0.0.2', port: 53 },
      { address: '10.0.0.3', port: 5353 },
      { address: '2001:db8::53', port: 53 },
    ]);
  });

  test.each([
    [{ dnsServers: ['dns.internal'] }, 'check.dnsServers.0: invalid DNS server "dns.internal": give an IP address, not a host name'],
    [{ dnsServers: [] }, 'check.dnsServers: Too small'],
    [{ maxAddresses: 0 }, 'check.maxAddresses: Too small'],
    [{ maxAddresses: 1000 }, 'check.maxAddresses: Too big'],
  ])('check %j is refused naming the field', (check, expected) => {
    expect(() => parseConfig({ ...minimal, check })).toThrow(expected);
  });

  test('custom stages: durations parsed, daysBefore or lifetimeFraction', () => {
    const config = parseConfig({
      ...minimal,
      policy: { stages: [{ name: 'early', lifetimeFraction: 0.33, notify: ['owners'], repeatEvery: '2d' }, { name: 'late', daysBefore: 2, notify: ['owners', 'oncall'], repeatEvery: '30m' }], errorAfterFailures: 5, errorRepeatEvery: '6h' },
      digest: { notify: ['owners'] },
    });
    expect(config.policy.stages).toEqual([
      { name: 'early', lifetimeFraction: 0.33, notify: ['owners'], repeatEveryMs: 2 * 86_400_000 },
      { name: 'late', daysBefore: 2, notify: ['owners', 'oncall'], repeatEveryMs: 1_800_000 },
    ]);
    expect(config.policy).toMatchObject({ errorAfterFailures: 5, errorRepeatEveryMs: 21_600_000 });
    expect(config.digest).toEqual({ notify: ['owners'], everyMs: 86_400_000 });
  });

  test('policy.lifetimeCap reaches the escalation policy; absent, the default cap applies', () => {
    expect(parseConfig(minimal).policy.lifetimeCap).toBe(DEFAULT_LIFETIME_CAP);
    const uncapped = parseConfig({ ...minimal, policy: { lifetimeCap: 1 } }).policy;
    const halved = parseConfig({ ...minimal, policy: { lifetimeCap: 0.5 } }).policy;
    expect(uncapped).toEqual({ ...DEFAULT_POLICY, lifetimeCap: 1 });
    expect(halved.lifetimeCap).toBe(0.5);
    // A fresh 47-day certificate 44.9 days from expiry: `notice` (45 days) only without the cap.
    const validity = { notBefore: '2026-03-01T00:00:00.000Z', notAfter: '2026-04-17T00:00:00.000Z' };
    const dayTwo = new Date('2026-03-03T03:00:00.000Z');
    expect(stageAt(uncapped, validity, dayTwo)?.name).toBe('notice');
    expect(stageAt(halved, validity, dayTwo)).toBeNull();
  });

  test.each([
    [{}, 'targets: '],
    [{ ...minimal, targets: [] }, 'targets: watch at least one target'],
    [{ ...minimal, targets: [{ host: 'x' }] }, 'targets.0'],
    [{ ...minimal, check: { warningDays: 'soon' } }, 'check.warningDays'],
    [{ ...minimal, check: { warningDays: 5, criticalDays: 7 } }, 'check.criticalDays: must not exceed check.warningDays'],
    [{ ...minimal, audiences: { owners: { emails: ['not-an-email'] } } }, 'audiences.owners.emails.0: must be an email address'],
    [{ ...minimal, audiences: { owners: { sms: ['555-1234'] } } }, 'audiences.owners.sms.0: must be a phone number in E.164 form'],
    [{ ...minimal, policy: { stages: [{ name: 'x', daysBefore: 3, lifetimeFraction: 0.5, notify: ['owners'], repeatEvery: '1d' }] } }, 'policy.stages.0: set exactly one of daysBefore and lifetimeFraction'],
    [{ ...minimal, policy: { stages: [{ name: 'x', daysBefore: 3, notify: ['pager'], repeatEvery: '1d' }] } }, 'policy.stages.0.notify.0: unknown audience "pager"'],
    [{ ...minimal, policy: { stages: [{ name: 'x', daysBefore: 3, notify: ['owners'], repeatEvery: 'daily' }] } }, 'policy.stages.0.repeatEvery: must be a duration'],
    [{ ...minimal, policy: { stages: [{ name: 'x', daysBefore: 3, notify: ['owners'], repeatEvery: '1d' }, { name: 'x', daysBefore: 1, notify: ['owners'], repeatEvery: '1d' }] } }, 'policy.stages.1.name: duplicate stage name "x"'],
    [{ targets: ['x.test'] }, 'audiences: the default policy notifies "owners" (stages notice, warning, urgent, critical, expired): define it, or set policy.stages'],
    [{ targets: ['x.test'], audiences: { owners: {} } }, 'audiences: the default policy notifies "oncall" (stages urgent, critical, expired)'],
    [{ ...minimal, policy: { stages: [{ name: 'error', daysBefore: 3, notify: ['owners'], repeatEvery: '1d' }] } }, 'policy.stages.0.name: "error", "invalid", "disappeared" and "digest" are reserved (they name probe-failure alerts, invalid-certificate alerts, disappeared ACM and IAM certificates and digests): choose another stage name'],
    [{ ...minimal, policy: { stages: [{ name: 'soon', daysBefore: 9, notify: ['owners'], repeatEvery: '1d' }, { name: 'digest', daysBefore: 3, notify: ['owners'], repeatEvery: '1d' }] } }, 'policy.stages.1.name: "error", "invalid", "disappeared" and "digest" are reserved'],
    [{ ...minimal, policy: { stages: [{ name: 'invalid', daysBefore: 3, notify: ['owners'], repeatEvery: '1d' }] } }, 'policy.stages.0.name: "error", "invalid", "disappeared" and "digest" are reserved'],
    [{ ...minimal, policy: { stages: [{ name: 'disappeared', daysBefore: 3, notify: ['owners'], repeatEvery: '1d' }] } }, 'policy.stages.0.name: "error", "invalid", "disappeared" and "digest" are reserved'],
    [{ ...minimal, policy: { lifetimeCap: 0 } }, 'policy.lifetimeCap: '],
    [{ ...minimal, policy: { lifetimeCap: 1.5 } }, 'policy.lifetimeCap: '],
    [{ ...minimal, policy: { lifetimeCap: null } }, 'policy.lifetimeCap: '],
    [{ ...minimal, sns: { topicArn: 'my-topic' } }, 'sns.topicArn: must be an SNS topic ARN'],
    [{ ...minimal, surprise: true }, 'surprise'],
  ])('%j is refused naming the field', (json, expected) => {
    expect(problems(json).join('\n')).toContain(expected);
  });

  test('custom stages without errorNotify: probe failures go to the first stage\'s audiences', () => {
    const config = parseConfig({
      targets: ['example.com'],
      audiences: { platform: { emails: ['platform@example.com'] }, pager: { sms: ['+15551234567'] } },
      policy: { stages: [{ name: 'soon', daysBefore: 20, notify: ['platform'], repeatEvery: '2d' }, { name: 'now', daysBefore: 2, notify: ['platform', 'pager'], repeatEvery: '6h' }] },
    });
    expect(config.policy.errorNotify).toEqual(['platform']);
    expect(parseConfig(minimal).policy.errorNotify).toEqual(DEFAULT_POLICY.errorNotify);
    expect(parseConfig({ ...minimal, policy: { errorNotify: ['oncall'] } }).policy.errorNotify).toEqual(['oncall']);
  });

  test('an errorNotify naming no audience is refused', () => {
    expect(problems({ ...minimal, policy: { errorNotify: ['pager'] } })).toEqual(['policy.errorNotify.0: unknown audience "pager" (define it under "audiences"; known: owners, oncall)']);
  });

  test('two entries for one certificate are refused, naming both', () => {
    expect(problems({ ...minimal, targets: ['x.example', 'a.example', 'y.example', 'https://a.example'] })).toEqual(['targets.3: same certificate as targets.1 (tls:a.example:443)']);
    expect(problems({ ...minimal, targets: [{ target: '10.0.0.5:443', servername: 'b.internal' }, { target: '10.0.0.5', servername: 'B.internal' }] })).toEqual([
      'targets.1: same certificate as targets.0 (tls:10.0.0.5:443/b.internal)',
    ]);
    expect(problems({ ...minimal, targets: ['a.example', { target: 'a.example:443', servername: 'a.example' }] })).toEqual(['targets.1: same certificate as targets.0 (tls:a.example:443)']);
  });

  test('one address with two servernames is two certificates; unparsable targets are left to the run', () => {
    const config = parseConfig({
      ...minimal,
      targets: [{ target: '10.0.0.5:443', servername: 'a.internal' }, { target: '10.0.0.5:443', servername: 'b.internal' }, '10.0.0.5:443', 'bad target', 'bad target'],
    });
    expect(config.targets).toHaveLength(5);
  });

  test('a phone number is never echoed in an error', () => {
    expect(problems({ ...minimal, audiences: { owners: { sms: ['+1555123'] } } }).join('\n')).not.toContain('+1555123');
  });
});

describe('parseConfig: the AWS deployment keys', () => {
  test('defaults: probe hourly, the digest at its own period, alarms to oncall, no VPC', () => {
    const config = parseConfig({ ...minimal, digest: { notify: ['owners'], every: '1d' } });
    expect(config.schedule).toEqual({ probe: { expression: 'rate(1 hour)', longestGapMs: 3_600_000 }, digest: { expression: 'rate(1 day)', longestGapMs: 86_400_000 } });
    expect(config.alarmNotify).toEqual(['oncall']);
    expect(config.vpc).toBeNull();
    expect(parseConfig(minimal).schedule.digest).toBeNull();
  });

  test('schedule.probe takes a cron; schedule.digest overrides the digest period', () => {
    const config = parseConfig({ ...minimal, digest: { notify: ['owners'] }, schedule: { probe: 'cron(*/30 * * * ? *)', digest: 'cron(0 8 ? * MON-FRI *)' } });
    expect(config.schedule.probe.longestGapMs).toBe(1_800_000);
    expect(config.schedule.digest?.expression).toBe('cron(0 8 ? * MON-FRI *)');
  });

  test('a missing field is "is required", and a target or tags of the wrong shape say which shapes there are', () => {
    const stage = { name: 'x', daysBefore: 3, notify: ['owners'] };
    expect(problems({ ...minimal, policy: { stages: [stage] } })).toEqual(['policy.stages.0.repeatEvery: is required']);
    expect(problems({ ...minimal, digest: {} })).toEqual(['digest.notify: is required']);
    expect(problems({ ...minimal, targets: [42] })).toEqual([
      'targets.0: must be a target (a string such as "example.com", "smtp://mail.example.com:587" or "file://cert.pem") or an object with "target"',
    ]);
    // An object is the object shape: its own problems, not a bare "Invalid input" for the two shapes.
    expect(problems({ ...minimal, targets: [{ host: 'a.test' }] })).toEqual(['targets.0.target: is required', 'targets.0: Unrecognized key: "host"']);
    expect(problems({ ...minimal, targets: [{ target: 'a.test', owner: 5 }] })).toEqual(['targets.0.owner: Invalid input: expected string, received number']);
    expect(problems({ ...minimal, targets: [{ target: 'a.test', tags: 'prod' }] })).toEqual(['targets.0.tags: must be a list of tags or an object of tag names to values']);
    expect(problems({ ...minimal, targets: [{ target: 'a.test', tags: { tier: 1 } }] })).toEqual(['targets.0.tags.tier: Invalid input: expected string, received number']);
  });

  test('bad schedules name the field and what is wrong', () => {
    expect(problems({ ...minimal, schedule: { probe: 'rate(1 hours)' } })).toEqual(['schedule.probe: write rate(1 hour)']);
    expect(problems({ ...minimal, schedule: { probe: 'rate(2 days)' } })).toEqual([
      "schedule.probe: must run at least once a day (the dead-man's switch alarms after two schedule periods)",
    ]);
    expect(problems({ ...minimal, schedule: { digest: 'rate(1 day)' } })).toEqual(['schedule.digest: there is no digest to schedule: add a "digest" section, or remove this']);
    // The digest's schedule has no longest gap to keep, and is still read (it reached the run unread, and threw there).
    const withDigest = { ...minimal, digest: { notify: ['owners'] } };
    expect(problems({ ...withDigest, schedule: { digest: 'cron(0 8 * *)' } })).toEqual([
      'schedule.digest: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got 4',
    ]);
    expect(problems({ ...withDigest, schedule: { digest: 'every morning' } })).toEqual([
      'schedule.digest: must be rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week year), e.g. rate(1 hour)',
    ]);
  });

  test('alarms.notify names known audiences; without oncall, alarms follow errorNotify', () => {
    expect(problems({ ...minimal, alarms: { notify: ['sre'] } })).toEqual(['alarms.notify.0: unknown audience "sre" (define it under "audiences"; known: owners, oncall)']);
    const noOncall = { targets: ['a.test'], audiences: { ops: {} }, policy: { stages: [{ name: 'late', daysBefore: 7, notify: ['ops'], repeatEvery: '1d' }] } };
    expect(parseConfig(noOncall).alarmNotify).toEqual(['ops']);
    expect(parseConfig({ ...minimal, alarms: { notify: ['owners'] } }).alarmNotify).toEqual(['owners']);
  });

  test('vpc takes subnet and security group ids', () => {
    const vpc = { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123abcd'] };
    expect(parseConfig({ ...minimal, vpc }).vpc).toEqual(vpc);
    expect(problems({ ...minimal, vpc: { subnetIds: ['vpc-0123abcd'], securityGroupIds: [] } })).toEqual([
      'vpc.subnetIds.0: must be an id such as subnet-0123456789abcdef0',
      'vpc.securityGroupIds: Too small: expected array to have >=1 items',
    ]);
  });
});

describe('configInputFor: a validated config written back as a config file', () => {
  test('parses to the same config: targets, CA files, policy, digest, schedules, alarms, VPC', () => {
    const config = parseConfig({
      targets: ['a.test', { target: '10.0.0.5:8443', servername: 'api.internal', caFile: '/ca/own.pem', owner: 'payments', tags: ['prod'] }, { target: 'b.test', tags: { env: 'dev' } }],
      check: { warningDays: 20, criticalDays: 5, timeoutMs: 3000, concurrency: 8, caFile: '/ca/shared.pem' },
      audiences: { owners: { emails: ['team@example.com'] }, pager: { sms: ['+15551234567'] } },
      policy: {
        stages: [
          { name: 'early', lifetimeFraction: 0.25, notify: ['owners'], repeatEvery: '1.5h' },
          { name: 'late', daysBefore: 2.5, notify: ['owners', 'pager'], repeatEvery: '90s' },
        ],
        errorAfterFailures: 5,
        errorRepeatEvery: '2d',
        lifetimeCap: 0.5,
      },
      digest: { notify: ['owners'], every: '1w' },
      schedule: { probe: 'cron(*/20 * * * ? *)' },
      alarms: { notify: ['pager'] },
      vpc: { subnetIds: ['subnet-0123abcd'], securityGroupIds: ['sg-0123abcd'] },
      dashboard: false,
      sns: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
      acm: { regions: ['eu-west-1', 'us-east-1'], roles: [{ roleArn: 'arn:aws:iam::111122223333:role/reader', externalId: 'ext-1' }, { roleArn: 'arn:aws:iam::444455556666:role/reader', regions: ['ap-south-1'] }] },
      iam: true,
    });
    expect(parseConfig(configInputFor(config, { withContacts: true }))).toEqual(config);
    expect(config).toMatchObject({ dashboard: false, check: { concurrency: 8, givenConcurrency: 8 } });
    // Unset, check.concurrency stays unset on the way: a deployed worker applies its own default.
    const unset = parseConfig({ targets: ['a.test'], audiences: { owners: {}, oncall: {} } });
    expect(configInputFor(unset).check).not.toHaveProperty('concurrency');
    expect(parseConfig(configInputFor(unset))).toEqual(unset);
  });

  test.each([
    [{ acm: {} }],
    [{ acm: { regions: [], roles: [{ roleArn: 'arn:aws:iam::111122223333:role/reader' }] }, iam: true }],
    [{ iam: true }],
  ])('ACM and IAM scopes round-trip: %j', (cloud) => {
    const config = parseConfig({ ...minimal, ...cloud });
    expect(parseConfig(configInputFor(config)).cloud).toEqual(config.cloud);
  });

  test('the default policy and no digest round-trip too; addresses stay behind unless asked for', () => {
    const config = parseConfig(minimal);
    const input = configInputFor(config);
    expect(input.audiences).toEqual({ owners: {}, oncall: {} });
    expect(JSON.stringify(input)).not.toMatch(/team@example\.com|5551234567/);
    expect({ ...parseConfig(input), audiences: config.audiences }).toEqual(config);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-config-'));

  test('reads and validates a file', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(minimal));
    expect(loadConfigFile(file).targets).toHaveLength(1);
  });

  test('names the file for a missing file, and line and column for broken JSON', () => {
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the file \(ENOENT\)/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "targets": ["a.test" "b.test"]\n}\n');
    expect(() => loadConfigFile(broken)).toThrow('broken.json: not valid JSON: comma expected at line 2, column 24');
  });

  test('a JSON error is located without quoting the file: the phone number next to it stays out', () => {
    const file = join(dir, 'phone.json');
    writeFileSync(file, '{\n  "targets": ["a.test"],\n  "audiences": {\n    "oncall": { "sms": [+15551234567] }\n  }\n}\n');
    let message = '';
    try {
      loadConfigFile(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`${file}: not valid JSON: invalid symbol at line 4, column 25`);
    expect(message).not.toMatch(/1555|sms|\+/);
  });

  test.each([
    ['{ "targets": ["a.test"], }', 'property name expected at line 1, column 26'],
    ['{ "targets": ["a.test"]', 'close brace expected at line 1, column 24'],
    ['', 'value expected at line 1, column 1'],
    ['{ "note": "call +15551234567\\q" }', 'invalid escape character at line 1, column 11'],
    ['// a comment\n{}', 'invalid comment token at line 1, column 1'],
  ])('JSON error %j is described by name and place', (text, description) => {
    const file = join(dir, 'described.json');
    writeFileSync(file, text);
    expect(() => loadConfigFile(file)).toThrow(`${file}: not valid JSON: ${description}`);
    expect(() => loadConfigFile(file)).not.toThrow(/1555/);
  });

  test('caFile paths are relative to the config file, and every one is read at load', async () => {
    const { root, intermediate } = await chainFor(['ca.test']);
    const home = join(dir, 'ca-home');
    mkdirSync(join(home, 'certs'), { recursive: true });
    writeFileSync(join(home, 'certs', 'root.pem'), root.certPem);
    writeFileSync(join(home, 'certs', 'extra.pem'), intermediate.certPem);
    const file = join(home, 'certwatch.config.json');
    writeFileSync(file, JSON.stringify({ ...minimal, check: { caFile: 'certs/root.pem' }, targets: ['a.test', { target: 'b.test', caFile: './certs/extra.pem' }, { target: 'c.test', caFile: join(home, 'certs', 'root.pem') }] }));
    const config = loadConfigFile(file);
    expect(config.check.caFile).toBe(join(home, 'certs', 'root.pem'));
    expect(config.targets.map((t) => t.caFiles)).toEqual([
      [join(home, 'certs', 'root.pem')],
      [join(home, 'certs', 'root.pem'), join(home, 'certs', 'extra.pem')],
      [join(home, 'certs', 'root.pem'), join(home, 'certs', 'root.pem')],
    ]);
  });

  test('an unreadable caFile is refused at load, naming the field and the path as written', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ ...minimal, check: { caFile: 'certs/corp.pem' }, targets: ['a.test', 'b.test', { target: 'c.test', caFile: 'certs/x.pem' }] }));
    expect(() => loadConfigFile(file)).toThrow(new ConfigError(file, ['check.caFile: cannot read certs/corp.pem (ENOENT)', 'targets.2.caFile: cannot read certs/x.pem (ENOENT)']));
    writeFileSync(file, JSON.stringify({ ...minimal, targets: [{ target: 'c.test', caFile: '.' }] }));
    expect(() => loadConfigFile(file)).toThrow(`${file}: targets.0.caFile: cannot read . (a directory, not a regular file)`);
  });

  test('a caFile that holds no certificate is refused at load, naming the field (the run would fail every probe)', () => {
    const file = join(dir, 'no-cert.json');
    writeFileSync(join(dir, 'empty-ca.pem'), '');
    writeFileSync(join(dir, 'key-only.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    writeFileSync(file, JSON.stringify({ ...minimal, check: { caFile: 'empty-ca.pem' }, targets: ['a.test', { target: 'b.test', caFile: 'key-only.pem' }] }));
    expect(() => loadConfigFile(file)).toThrow(
      new ConfigError(file, ['check.caFile: empty-ca.pem holds no PEM certificate', 'targets.1.caFile: key-only.pem holds no PEM certificate']),
    );
  });

  test('a config that is a device (/dev/zero) is refused without being read', () => {
    expect(() => loadConfigFile('/dev/zero')).toThrow(new ConfigError('/dev/zero', ['cannot read the file (a character device, not a regular file)']));
  });

  test('a config that is a FIFO is refused at once, and a caFile that is one too', () => {
    const fifo = join(dir, 'config-fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadConfigFile(fifo)).toThrow(`${fifo}: cannot read the file (a FIFO, not a regular file)`);
    const file = join(dir, 'fifo-ca.json');
    writeFileSync(file, JSON.stringify({ ...minimal, check: { caFile: 'config-fifo.json' } }));
    expect(() => loadConfigFile(file)).toThrow(`${file}: check.caFile: cannot read config-fifo.json (a FIFO, not a regular file)`);
  });

  test('a UTF-8 byte order mark is accepted', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(minimal, null, 2)}`);
    expect(loadConfigFile(file).targets).toEqual([expect.objectContaining({ target: 'example.com' })]);
  });

  test('a key given twice is refused, naming the key and both lines: the second, empty audiences must not replace the first', () => {
    const file = join(dir, 'twice.json');
    const text = [
      '{',
      '  "targets": ["a.test"],',
      '  "audiences": {',
      '    "owners": { "emails": ["team@example.com"], "sms": ["+15551234567"] },',
      '    "oncall": { "emails": ["oncall@example.com"] }',
      '  },',
      '  "check": { "warningDays": 30, "warningDays": 20 },',
      '  "audiences": {}',
      '}',
    ].join('\n');
    writeFileSync(file, text);
    expect(() => loadConfigFile(file)).toThrow(
      new ConfigError(file, [
        'check.warningDays: the key is given twice (lines 7 and 7); give it once',
        'audiences: the key is given twice (lines 3 and 8); give it once',
      ]),
    );
    expect(() => loadConfigFile(file)).not.toThrow(/team@|1555/);
  });

  test('keys are counted as written, whatever quotes, backslashes and colons their strings hold', () => {
    const values = ['plain', 'a "quoted": word', 'ends in a backslash \\', '\\"', 'x":"y', '', ':', '\\\\'];
    const text = JSON.stringify({ targets: values.map((owner, i) => ({ target: `${owner}${i}`, owner, tags: { [owner]: owner } })), '': { '"': [':', { '\\': 1 }] } }, null, 1);
    expect(keysWritten(text)).toBe(values.length * 4 + 4);
    expect(membersParsed(JSON.parse(text))).toBe(values.length * 4 + 4);
    // The same text with one key given twice (the last member of the innermost object repeated): one key more than members.
    const twice = text.replace('"\\\\": 1', '"\\\\": 1, "\\\\": 2');
    expect(twice).not.toBe(text);
    expect(keysWritten(twice)).toBe(membersParsed(JSON.parse(twice)) + 1);
  });

  test('a key given twice among values that hold quotes and colons is still refused', () => {
    const file = join(dir, 'twice-quoted.json');
    writeFileSync(file, String.raw`{ "targets": [{ "target": "a.test", "owner": "x\\\": \"y" , "owner": "z" }], "audiences": {} }`);
    expect(() => loadConfigFile(file)).toThrow(new ConfigError(file, ['targets.0.owner: the key is given twice (lines 1 and 1); give it once']));
  });

  test('the same key in two different objects is no duplicate', () => {
    const file = join(dir, 'not-twice.json');
    writeFileSync(file, JSON.stringify({ ...minimal, targets: [{ target: 'a.test', owner: 'x' }, { target: 'b.test', owner: 'y' }] }));
    expect(loadConfigFile(file).targets).toHaveLength(2);
  });

  test('10,000 duplicate targets: the first few are named and the rest counted', () => {
    const file = join(dir, 'many.json');
    writeFileSync(file, JSON.stringify({ ...minimal, targets: Array.from({ length: 10_001 }, () => 'a.test') }));
    let error: ConfigError | undefined;
    try {
      loadConfigFile(file);
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.problems).toHaveLength(10_000);
    const lines = error!.message.split('\n');
    expect(lines[0]).toBe(`${file}: 10000 problems:`);
    expect(lines.slice(1, 3)).toEqual(['  - targets.1: same certificate as targets.0 (tls:a.test:443)', '  - targets.2: same certificate as targets.0 (tls:a.test:443)']);
    expect(lines).toHaveLength(12);
    expect(lines.at(-1)).toBe('  - ... and 9990 more problems of this config');
  });

  test('the example config in the repository is valid', () => {
    expect(loadConfigFile(join(__dirname, '..', '..', 'certwatch.config.json')).targets.length).toBeGreaterThan(0);
  });

  test('certwatch.schema.json is the schema generated from the validator', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'certwatch.schema.json'), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});

describe('ACM, IAM and certificate files in the config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-config-sources-'));
  const roleA = 'arn:aws:iam::111122223333:role/certwatch-reader';

  test('acm and iam become the scopes to list: own account in its regions, each role in its own (default: the same)', () => {
    const config = parseConfig({ ...minimal, targets: [], acm: { regions: ['eu-west-1', 'us-east-1'], roles: [{ roleArn: roleA, externalId: 'ops-42' }] }, iam: true });
    expect(config.cloud.acm).toEqual([
      { region: 'eu-west-1', role: null },
      { region: 'us-east-1', role: null },
      { region: 'eu-west-1', role: { roleArn: roleA, externalId: 'ops-42' } },
      { region: 'us-east-1', role: { roleArn: roleA, externalId: 'ops-42' } },
    ]);
    expect(config.cloud.iam).toEqual([
      { region: 'eu-west-1', role: null },
      { region: 'eu-west-1', role: { roleArn: roleA, externalId: 'ops-42' } },
    ]);
  });

  test("acm.regions [] lists only the roles' accounts; no acm or iam lists nothing", () => {
    expect(parseConfig({ ...minimal, acm: { regions: [], roles: [{ roleArn: roleA, regions: ['ap-south-1'] }] } }).cloud).toEqual({ acm: [{ region: 'ap-south-1', role: { roleArn: roleA } }], iam: [] });
    expect(parseConfig(minimal).cloud).toEqual({ acm: [], iam: [] });
    expect(parseConfig({ ...minimal, targets: [], acm: {} }).cloud.acm).toEqual([{ region: null, role: null }]);
  });

  test.each([
    [{ ...minimal, acm: { regions: ['Ireland'] } }, 'acm.regions.0: must be a region name such as eu-west-1'],
    [{ ...minimal, acm: { roles: [{ roleArn: 'reader' }] } }, 'acm.roles.0.roleArn: must be an IAM role ARN'],
    [{ ...minimal, acm: { roles: [{ roleArn: roleA, externalId: 'a b' }] } }, 'acm.roles.0.externalId: must be 2-1224 letters'],
    [{ ...minimal, iam: 'yes' }, 'iam: '],
    [{ ...minimal, targets: [{ target: 'file://certs/a.pem', servername: 'a.test' }] }, 'targets.0.servername: a certificate file has no servername'],
    [{ ...minimal, targets: ['file://'] }, 'targets.0: invalid target "file://": a file target needs a path'],
    [{ ...minimal, targets: ['file://a.pem', { target: 'file://a.pem', owner: 'x' }] }, 'targets.1: same certificate as targets.0 (file:a.pem)'],
  ])('%j is refused naming the field', (json, expected) => {
    expect(problems(json).join('\n')).toContain(expected);
  });

  test('file targets are allowed for a local watcher and refused, each named, when loaded for the Lambda', () => {
    const json = { ...minimal, targets: ['example.com', 'file://certs/a.pem', { target: 'FILE:///etc/ssl/b.pem' }] };
    expect(parseConfig(json).targets.map((t) => t.target)).toEqual(['example.com', 'file://certs/a.pem', 'FILE:///etc/ssl/b.pem']);
    expect(() => parseConfig(json, 'lambda.json', { fileTargets: 'refuse' })).toThrow(
      new ConfigError('lambda.json', [
        'targets.1: certificate files cannot be watched here (no file system to watch in Lambda): check them where they are built, with certwatch check --files',
        'targets.2: certificate files cannot be watched here (no file system to watch in Lambda): check them where they are built, with certwatch check --files',
      ]),
    );
  });

  test('a relative file target is read relative to the config file, and keeps its text as its name', () => {
    const home = join(dir, 'files-home');
    mkdirSync(home, { recursive: true });
    const file = join(home, 'certwatch.config.json');
    writeFileSync(file, JSON.stringify({ ...minimal, targets: ['file://certs/a.pem', 'file:///etc/ssl/b.pem'] }));
    expect(loadConfigFile(file).targets.map((t) => [t.target, t.filePath])).toEqual([
      ['file://certs/a.pem', join(home, 'certs', 'a.pem')],
      ['file:///etc/ssl/b.pem', '/etc/ssl/b.pem'],
    ]);
  });
});
