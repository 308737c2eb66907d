import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CertwatchStack } from './certwatch-stack';

// The CDK app entry: reads context once and passes typed props down. cdk-nag (AwsSolutions) runs on synth.
const app = new App();
const account = (app.node.tryGetContext('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT;
const region = (app.node.tryGetContext('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1';
new CertwatchStack(app, 'Certwatch', { env: { account, region }, description: 'certwatch: certificate expiry watcher' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
