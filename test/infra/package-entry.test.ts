import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The package's main entry as a user's CDK app meets it: `require('certwatch')` in a fresh Node process (the built
// dist/index.js, aws-cdk-lib from node_modules), the CertWatch construct added to the app's own stack, the functions'
// sources found from the package wherever it is installed.

test('a CDK app adds certwatch from the package entry: CertWatch in its own stack, the config through loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-entry-'));
  const configFile = join(dir, 'certwatch.config.json');
  writeFileSync(configFile, JSON.stringify({ targets: ['example.com'], audiences: { owners: { emails: ['team@example.com'] }, oncall: {} } }));
  const app = `
    const { App, Stack } = require('aws-cdk-lib');
    const { Template } = require('aws-cdk-lib/assertions');
    const { CertWatch, loadConfigFile, ConfigError } = require('certwatch');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
    const watch = new CertWatch(stack, 'Certs', { config: loadConfigFile(process.argv[1]) });
    const template = Template.fromStack(stack);
    let refused = null;
    try { loadConfigFile(process.argv[1] + '.missing'); } catch (error) { refused = error instanceof ConfigError ? error.message : String(error); }
    process.stdout.write(JSON.stringify({
      functions: Object.keys(template.findResources('AWS::Lambda::Function')).length,
      schedules: Object.keys(template.findResources('AWS::Scheduler::Schedule')).length,
      batches: watch.capacity.batches,
      refused,
    }));
  `;
  const output = execFileSync(process.execPath, ['-e', app, configFile], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(__dirname, '..', '..', 'node_modules') } });
  expect(JSON.parse(output)).toEqual({ functions: 3, schedules: 1, batches: 1, refused: `${configFile}.missing: cannot read the file (ENOENT)` });
});
