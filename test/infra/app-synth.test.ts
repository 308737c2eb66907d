import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npx cdk synth` as a user runs it: the CDK CLI, offline, without credentials, the config named by -c config=PATH.

const repo = join(__dirname, '..', '..');

function cdkSynth(configFile: string, outdir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  return spawnSync(process.execPath, [join(repo, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices', '-c', `config=${configFile}`, '-o', outdir], {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

test('npx cdk synth works offline with no credentials, and validates the config it is given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-cdk-'));
  const good = join(dir, 'certwatch.config.json');
  writeFileSync(good, JSON.stringify({ targets: ['example.com'], audiences: { owners: { emails: ['team@example.com'] }, oncall: { sms: ['+15551234567'] } } }));
  const synth = cdkSynth(good, join(dir, 'out'));
  expect(synth.stderr).not.toMatch(/AwsSolutions|Error/);
  expect(synth.status).toBe(0);
  const template = JSON.parse(readFileSync(join(dir, 'out', 'Certwatch.template.json'), 'utf8')) as { Outputs: object };
  expect(Object.keys(template.Outputs).sort()).toEqual(['DashboardName', 'OnDemandCheckFunctionName', 'TableName', 'TopicArn']);

  // A bad config fails synth with the one line `certwatch run` prints for it, and no stack trace.
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ targets: ['example.com'], audiences: { owners: { emails: ['nope'] } }, schedule: { probe: 'rate(1 hours)' } }));
  const refused = cdkSynth(bad, join(dir, 'refused'));
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain(`certwatch: ${bad}: 3 problems:\n  - audiences.owners.emails.0: must be an email address\n  - schedule.probe: write rate(1 hour)\n`);
  expect(refused.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(dir, 'refused', 'Certwatch.template.json'))).toBe(false);
}, 240_000);
