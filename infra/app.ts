import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, type CertwatchConfig } from '../functions/core/config';
import { loadConfigFile } from '../functions/config-file/load-config-file';
import { CertwatchStack } from './certwatch-stack';

// The CDK app entry: reads context once (`-c config=PATH`, account, region), validates the config with the same
// validator as `certwatch run`, and passes typed props down. A bad config fails synth with the CLI's one line.
// cdk-nag (AwsSolutions) runs on synth.
const app = new App();
const context = (name: string) => app.node.tryGetContext(name) as string | undefined;
const configFile = context('config') ?? 'certwatch.config.json';

const account = context('account') ?? process.env.CDK_DEFAULT_ACCOUNT;
const region = context('region') ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1';
try {
  // The functions have no file system to watch: a file target is a mistake naming its field.
  const config: CertwatchConfig = loadConfigFile(configFile, { fileTargets: 'refuse' });
  new CertwatchStack(app, context('stackName') ?? 'Certwatch', {
    env: { account, region },
    description: 'certwatch: certificate expiry watcher',
    certwatch: { config, configSource: configFile },
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`certwatch: ${error.message}\n`);
  process.exit(3);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
