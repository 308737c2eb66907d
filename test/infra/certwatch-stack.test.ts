import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CertwatchStack } from '../../infra/certwatch-stack';

// Tier 3: the synthesized template, fine-grained, and cdk-nag's AwsSolutions pack.

const app = new App();
const stack = new CertwatchStack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
const template = Template.fromStack(stack);

test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
});

test('the on-demand check runs on Node.js 24, arm64, with source maps', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    Timeout: 300,
    LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'certwatch' }) },
  });
});

test('its role has no managed policy and may only write its own logs', () => {
  template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  const policies = template.findResources('AWS::IAM::Policy');
  const statements = Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string[] }[] } } }).Properties.PolicyDocument.Statement);
  expect(statements.flatMap((s) => s.Action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
});

test('logs are kept a month and retained on stack deletion', () => {
  template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
});
