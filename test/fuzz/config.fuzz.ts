// The config reader fuzzed: a config using every section, edited at random (values swapped for hostile ones of any
// type, keys dropped or added, a byte of the JSON text broken), read by the real loader (loadConfigFile: JSON,
// duplicate keys, validation, CA files), and each target it accepts parsed as a run parses it. What a broken
// config may give: a config, or a ConfigError whose every problem names its field; a target may be refused with
// InvalidTargetError. Anything else (another error, a problem reading "[object Object]" or "NaN") is a bug.
// Random strings are given to the target parser too. Run by test/fuzz/run.ts (`npm run fuzz`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../functions/config-file/load-config-file';
import { ConfigError } from '../../functions/core/config';
import { InvalidTargetError, parseTarget } from '../../functions/core/target';
import { issue } from '../support/pki';
import { counted, type Fuzz, jsonEditor, seededRandom } from './fuzzing';

/** Every section, every form: what the edits start from (valid). */
const FULL_CONFIG = {
  targets: [
    'example.com',
    'https://www.example.org',
    'smtp://smtp.example.com:587',
    { target: 'imap://imap.example.com', owner: 'mail-team', tags: ['mail'] },
    { target: '10.0.0.1:8443', servername: 'api.internal', caFile: 'ca.pem', tags: { tier: 'prod' } },
    'file://./cert.pem',
    'postgres://db.internal:5432',
  ],
  check: { warningDays: 30, criticalDays: 7, timeoutMs: 10000, concurrency: 20, maxAddresses: 4, dnsServers: ['127.0.0.1:53', '[::1]:53'], caFile: 'ca.pem' },
  audiences: { owners: { emails: ['team@example.com'] }, oncall: { emails: ['oncall@example.com'], sms: ['+15551234567'] } },
  policy: {
    stages: [
      { name: 'early', daysBefore: 30, notify: ['owners'], repeatEvery: '7d' },
      { name: 'late', lifetimeFraction: 0.1, notify: ['oncall'], repeatEvery: '1d' },
    ],
    errorAfterFailures: 3,
    errorNotify: ['oncall'],
    errorRepeatEvery: '12h',
    lifetimeCap: 0.5,
  },
  digest: { notify: ['owners'], every: '1d' },
  schedule: { probe: 'rate(1 hour)', digest: 'cron(0 8 * * ? *)' },
  acm: { regions: ['eu-west-1'], roles: [{ roleArn: 'arn:aws:iam::111122223333:role/reader', externalId: 'xyz' }] },
  iam: true,
  alarms: { notify: ['oncall'] },
  vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
  dashboard: true,
  sns: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts' },
};

const TEXT_BREAKS = ['"', '{', '}', ',', ':', '\\', '\\u00', '"a":1,"a":2', ''];
const TARGET_CHARACTERS = 'abc.:/[]@%-_0123456789?#éß💥 \t\u0000xn';
const SCHEMES = ['', 'https://', 'smtp://', 'postgres://', 'file://', '[::1]', 'tcp://', 'ldap://', 'imap://', 'xmpp://'];

export const fuzzConfig: Fuzz = async ({ count, seed, report }) => {
  const { random, below, pick } = seededRandom(seed);
  const edited = jsonEditor({ random, below, pick }, ['x', '__proto__', 'constructor', 'targets', 'notify', 'every', 'target']);

  const dir = mkdtempSync(join(tmpdir(), 'certwatch-fuzz-config-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), (await issue({ subject: 'fuzz root', isCa: true })).certPem);
    const file = join(dir, 'certwatch.config.json');
    const bugs = new Map<string, number>();
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < count; i++) {
      let text = JSON.stringify(random() < 0.02 ? FULL_CONFIG : edited(FULL_CONFIG), null, 1);
      if (random() < 0.15) {
        const at = below(text.length);
        text = text.slice(0, at) + pick(TEXT_BREAKS) + text.slice(at + below(3));
      }
      writeFileSync(file, text);
      try {
        const config = loadConfigFile(file);
        accepted++;
        for (const { target, servername } of config.targets) {
          try {
            parseTarget(target, servername);
          } catch (error) {
            if (!(error instanceof InvalidTargetError)) counted(bugs, `a target the config took: ${(error as Error).name} ${(error as Error).message}`);
          }
        }
      } catch (error) {
        if (!(error instanceof ConfigError)) {
          counted(bugs, `config: ${(error as Error).name} ${(error as Error).message} (${(error as Error).stack?.split('\n')[1]?.trim()})`);
          continue;
        }
        refused++;
        for (const problem of error.problems) if (/\[object |NaN|undefined|TypeError|^[^:]*$/.test(problem)) counted(bugs, `config problem worded oddly: ${problem}`);
      }
    }
    report(`configs: accepted ${accepted}, refused with a ConfigError ${refused}`);
    let targetsRefused = 0;
    for (let i = 0; i < count * 5; i++) {
      let text = pick(SCHEMES);
      for (let length = below(25); length > 0; length--) text += TARGET_CHARACTERS[below(TARGET_CHARACTERS.length)];
      try {
        parseTarget(text);
      } catch (error) {
        if (error instanceof InvalidTargetError) targetsRefused++;
        else counted(bugs, `target ${JSON.stringify(text)}: ${(error as Error).name} ${(error as Error).message}`);
      }
    }
    report(`target strings: ${count * 5}, refused with an InvalidTargetError ${targetsRefused}`);
    return bugs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
