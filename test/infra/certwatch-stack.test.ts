import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigInput } from '../../functions/core/config';
import { CertWatch } from '../../infra/certwatch';
import { CertwatchStack } from '../../infra/certwatch-stack';
import { issue } from '../support/pki';

// Tier 3: the synthesized template, fine-grained, and cdk-nag's AwsSolutions pack. Synthesized once (bundling
// skipped: the bundles are tested in deployed-watch.e2e.test.ts); each test reads the same template.

const OWNER_EMAIL = 'platform@example.com';
const ONCALL_EMAIL = 'oncall@example.com';
const ONCALL_PHONE = '+15551234567';

let app: App;
let stack: CertwatchStack;
let template: Template;

function configFor(caFile: string, overrides: Partial<ConfigInput> = {}) {
  return parseConfig({
    targets: ['a.example.com', { target: '10.0.0.5:8443', servername: 'api.internal', caFile }],
    check: { timeoutMs: 10_000 },
    audiences: { owners: { emails: [OWNER_EMAIL] }, oncall: { emails: [ONCALL_EMAIL], sms: [ONCALL_PHONE] } },
    digest: { notify: ['owners'], every: '1d' },
    vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
    ...overrides,
  });
}

function synth(config: ReturnType<typeof parseConfig>, certwatch: Record<string, unknown> = {}) {
  const synthApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const synthStack = new CertwatchStack(synthApp, 'Test', { env: { account: '111111111111', region: 'eu-west-1' }, certwatch: { config, ...certwatch } });
  return { app: synthApp, stack: synthStack, template: Template.fromStack(synthStack) };
}

let caFile: string;

beforeAll(async () => {
  const root = await issue({ subject: 'CN=Test Private Root', isCa: true });
  caFile = join(mkdtempSync(join(tmpdir(), 'certwatch-infra-')), 'private-root.pem');
  writeFileSync(caFile, root.certPem);
  ({ app, stack, template } = synth(configFor(caFile)));
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** Every statement of the policies attached to the role `roleName` (its logical id without the hash). */
function statementsOf(roleName: string): Statement[] {
  const roles = [logicalId('AWS::IAM::Role', roleName)];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
  return policies.filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roles[0])).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])).sort();
}

/** The logical id of the one resource of `type` named `name` (the construct path's id before CDK's hash). */
function logicalId(type: string, name: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const TABLE = () => ({ 'Fn::GetAtt': [logicalId('AWS::DynamoDB::Table', 'CertWatchStateTable'), 'Arn'] });
const TOPIC = () => ({ Ref: logicalId('AWS::SNS::Topic', 'CertWatchAlertTopic') });
const KEY = () => ({ 'Fn::GetAtt': [logicalId('AWS::KMS::Key', 'CertWatchAlertTopicKey'), 'Arn'] });
const PROBE_QUEUE = () => ({ 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CertWatchProbeQueue'), 'Arn'] });

describe('security', () => {
  test('cdk-nag AwsSolutions finds nothing unacknowledged, and every acknowledgement has a reason', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const acknowledged = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledged.map(([id]) => id.replace(/^Annotation::/, '')).sort()).toEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-SQS3']);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });

  test('no IAM statement anywhere allows a wildcard action', () => {
    const documents = [
      ...Object.values(template.findResources('AWS::IAM::Policy')).map((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument),
      ...Object.values(template.findResources('AWS::KMS::Key')).map((k) => (k as { Properties: { KeyPolicy: { Statement: Statement[] } } }).Properties.KeyPolicy),
    ];
    const actions = documents.flatMap((document) => actionsOf(document.Statement));
    expect(actions.filter((action) => action.includes('*') && action !== 'kms:*')).toEqual([]);
    // kms:* is the key policy's own administration by the account (CDK's default key policy), not a function's grant.
    expect(template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } })).toEqual({});
  });

  test('the on-demand function may write its logs, use the table for ack, forget and status, and manage its VPC interfaces', () => {
    const statements = statementsOf('CertWatchOnDemandCheckRole');
    expect(actionsOf(statements)).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(statements.find((s) => actionsOf([s]).includes('dynamodb:Scan'))?.Resource).toEqual(TABLE());
  });

  test('the scheduled function may record the run, send batches, read the table for the digest and publish it', () => {
    const statements = statementsOf('CertWatchScheduledFunctionRole');
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Scan',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:SendMessage',
      'sqs:SendMessage',
    ]);
    const resources = statements.filter((s) => actionsOf([s]).includes('sqs:SendMessage')).map((s) => s.Resource);
    expect(resources).toContainEqual(PROBE_QUEUE());
    expect(resources).toContainEqual({ 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CertWatchSchedulesDeadLetters'), 'Arn'] });
  });

  test('a worker may read and write its batch\'s items, count the run, publish, and take batches from the queue', () => {
    const statements = statementsOf('CertWatchProbeWorkersFunctionRole');
    expect(actionsOf(statements).filter((action) => !action.startsWith('ec2:'))).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
  });

  test('publishers get the two KMS calls SNS makes for them, on the key, for the alert topic only', () => {
    for (const role of ['CertWatchScheduledFunctionRole', 'CertWatchProbeWorkersFunctionRole']) {
      const kms = statementsOf(role).filter((s) => actionsOf([s]).includes('kms:GenerateDataKey'));
      expect(kms).toEqual([
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: KEY(),
          Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': TOPIC() } },
        },
      ]);
      expect(statementsOf(role).find((s) => actionsOf([s]).includes('sns:Publish'))?.Resource).toEqual(TOPIC());
    }
  });

  test('EventBridge Scheduler may invoke exactly the scheduled function, unqualified, and fill its dead-letter queue', () => {
    const statements = statementsOf('CertWatchSchedulesRole');
    expect(statements.map((s) => ({ action: s.Action, resource: s.Resource }))).toEqual([
      { action: 'lambda:InvokeFunction', resource: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CertWatchScheduledFunction'), 'Arn'] } },
      { action: 'sqs:SendMessage', resource: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CertWatchSchedulesDeadLetters'), 'Arn'] } },
    ]);
  });

  test('no address or phone number in a logical id, a construct path, an output or a function\'s environment', () => {
    const json = JSON.stringify(template.toJSON());
    const outside = JSON.stringify({ ...template.toJSON(), Resources: Object.keys(template.toJSON().Resources) });
    for (const contact of [OWNER_EMAIL, ONCALL_EMAIL, ONCALL_PHONE]) {
      expect(outside).not.toContain(contact);
      expect(stack.node.findAll().map((c) => c.node.path).join('\n')).not.toContain(contact.replace(/[@.+]/g, ''));
      expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain(contact);
    }
    expect(json).toContain(ONCALL_PHONE); // the subscriptions themselves
  });
});

describe('functions', () => {
  test('three house functions: Node.js 24 on arm64, JSON logs, source maps, the deployment\'s metrics service', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'Test', POWERTOOLS_METRICS_NAMESPACE: 'Certwatch' }) },
    });
  });

  test('each function gets exactly the variables its binds set', () => {
    const env = (prefix: string) =>
      (template.findResources('AWS::Lambda::Function')[logicalId('AWS::Lambda::Function', prefix)] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
        .Variables;
    const certwatchVariables = (prefix: string) => Object.keys(env(prefix)).filter((name) => name.startsWith('CERTWATCH_')).sort();
    expect(certwatchVariables('CertWatchOnDemandCheckFunction')).toEqual(['CERTWATCH_TABLE']);
    expect(certwatchVariables('CertWatchScheduledFunction')).toEqual(['CERTWATCH_PROBE_QUEUE_URL', 'CERTWATCH_TABLE', 'CERTWATCH_TOPIC_ARN']);
    expect(certwatchVariables('CertWatchProbeWorkersFunction')).toEqual(['CERTWATCH_TABLE', 'CERTWATCH_TOPIC_ARN']);
    expect(env('CertWatchProbeWorkersFunction').CERTWATCH_TABLE).toEqual({ Ref: logicalId('AWS::DynamoDB::Table', 'CertWatchStateTable') });
    expect(env('CertWatchProbeWorkersFunction').CERTWATCH_TOPIC_ARN).toEqual(TOPIC());
    expect(env('CertWatchScheduledFunction').CERTWATCH_PROBE_QUEUE_URL).toEqual({ Ref: logicalId('AWS::SQS::Queue', 'CertWatchProbeQueue') });
  });

  test('the probing functions run in the configured subnets; the scheduled function, which probes nothing, does not', () => {
    const vpcConfig = { SubnetIds: ['subnet-0123456789abcdef0'], SecurityGroupIds: ['sg-0123456789abcdef0'] };
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Description: Match.stringLikeRegexp('probe one batch'), VpcConfig: vpcConfig });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('check TLS endpoints now'), VpcConfig: vpcConfig });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('start a probe run'), VpcConfig: Match.absent() });
  });

  test('a worker probes 256 at once, in batches of 250 whose worst case (every address timing out) leaves two retries within the hour', () => {
    // A lookup (10 s), ceil(250 x 16 addresses / 256) = 16 waves of 10 s, a minute for the rest: 230 s.
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('probe one batch'), Timeout: 230, MemorySize: 512 });
    expect(stack.certwatch.capacity).toEqual({ batches: 1, probesPerWorker: 256, worstBatchMs: 230_000, worstRunMs: 80_000, visibilityTimeoutMs: 1_380_000, retriesWithinPeriod: 2 });
  });

  test('with one address per name the worker\'s timeout is its worst case: a lookup, one wave, a minute', () => {
    const { template: single, stack: singleStack } = synth(configFor(caFile, { check: { timeoutMs: 10_000, maxAddresses: 1 } }));
    single.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('probe one batch'), Timeout: 80 });
    single.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 80, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
    expect(singleStack.certwatch.capacity).toMatchObject({ worstBatchMs: 80_000, retriesWithinPeriod: 2 });
  });

  test('a check.concurrency the config sets is honoured: 16 at once make batches of 20, and a worker of 256 MB when asked', () => {
    const { template: gentle, stack: gentleStack } = synth(configFor(caFile, { check: { timeoutMs: 10_000, concurrency: 16 } }), { workerMemoryMb: 256 });
    gentle.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('probe one batch'), Timeout: 270, MemorySize: 256 });
    expect(gentleStack.certwatch.capacity).toMatchObject({ probesPerWorker: 16, worstBatchMs: 270_000, retriesWithinPeriod: 2 });
  });

  test('workers take one batch at a time from the probe queue, report partial failures, 50 at most at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 50 },
      EventSourceArn: PROBE_QUEUE(),
    });
  });

  test('logs are kept a month and retained on stack deletion', () => {
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' }))).toHaveLength(3);
  });
});

describe('state, topics and queues', () => {
  test('the table: the store adapter\'s key, on-demand billing, point-in-time recovery, AWS-managed encryption, kept', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'certificateId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'certificateId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('both topics are encrypted with the one rotated customer-managed key, and refuse calls without TLS', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: KEY() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourceCountIs('AWS::SNS::TopicPolicy', 2);
    template.allResourcesProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('CloudWatch may use the key for alarms of this account: an alarm topic under a CMK needs it', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:111111111111:alarm:*']] } },
            },
          }),
        ]),
      },
    });
  });

  test('each audience\'s email and SMS subscriptions on the alert topic filter on its name', () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: TOPIC() } })).map(
      (s) => (s as { Properties: { Protocol: string; Endpoint: string; FilterPolicy?: unknown } }).Properties,
    );
    expect(subscriptions.map(({ Protocol, Endpoint, FilterPolicy }) => ({ Protocol, Endpoint, FilterPolicy }))).toEqual(
      expect.arrayContaining([
        { Protocol: 'email', Endpoint: OWNER_EMAIL, FilterPolicy: { audiences: ['owners'] } },
        { Protocol: 'email', Endpoint: ONCALL_EMAIL, FilterPolicy: { audiences: ['oncall'] } },
        { Protocol: 'sms', Endpoint: ONCALL_PHONE, FilterPolicy: { audiences: ['oncall'] } },
      ]),
    );
    expect(subscriptions).toHaveLength(3);
  });

  test('the alarm topic reaches oncall with no filter: alarm notifications carry no message attributes', () => {
    const alarmTopic = { Ref: logicalId('AWS::SNS::Topic', 'CertWatchAlarmTopic') };
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: alarmTopic } })).map(
      (s) => (s as { Properties: { Protocol: string; Endpoint: string; FilterPolicy?: unknown } }).Properties,
    );
    expect(subscriptions.map(({ Protocol, Endpoint, FilterPolicy }) => ({ Protocol, Endpoint, FilterPolicy })).sort((a, b) => a.Protocol.localeCompare(b.Protocol))).toEqual([
      { Protocol: 'email', Endpoint: ONCALL_EMAIL, FilterPolicy: undefined },
      { Protocol: 'sms', Endpoint: ONCALL_PHONE, FilterPolicy: undefined },
    ]);
  });

  test('a poison batch is received three times, then waits on the dead-letter queue; every queue is encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 230,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CertWatchProbeQueueDeadLetters'), 'Arn'] }, maxReceiveCount: 3 },
    });
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.resourceCountIs('AWS::SQS::QueuePolicy', 3);
  });
});

describe('schedules', () => {
  test('EventBridge Scheduler probes hourly and sends the digest daily, each with retries and a dead-letter queue', () => {
    const target = (task: string, maxAge: number) => ({
      Arn: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CertWatchScheduledFunction'), 'Arn'] },
      Input: JSON.stringify({ task }),
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: maxAge },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CertWatchSchedulesDeadLetters'), 'Arn'] } },
      RoleArn: { 'Fn::GetAtt': [logicalId('AWS::IAM::Role', 'CertWatchSchedulesRole'), 'Arn'] },
    });
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target('probe', 3600) });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 day)', Target: target('digest', 86_400) });
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('an invocation that still fails after Lambda\'s retries ends on the same dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CertWatchSchedulesDeadLetters'), 'Arn'] } } },
    });
  });

  test('a config without a digest schedules no digest; schedule.probe is used as written', () => {
    const { template: plain } = synth(configFor(caFile, { digest: undefined, schedule: { probe: 'cron(*/30 * * * ? *)' } }));
    plain.resourceCountIs('AWS::Scheduler::Schedule', 1);
    plain.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(*/30 * * * ? *)' });
    plain.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('no probe run completed'),
      Metrics: [Match.objectLike({ MetricStat: Match.objectLike({ Period: 1800 }) })],
    });
  });
});

describe('the ACM and IAM inventory', () => {
  const role = 'arn:aws:iam::222222222222:role/certwatch-reader';
  let inventory: ReturnType<typeof synth>;
  beforeAll(() => {
    inventory = synth(configFor(caFile, { acm: { regions: ['eu-west-1', 'us-east-1'], roles: [{ roleArn: role }] }, iam: true }));
  });

  const idOf = (type: string, name: string) => Object.keys(inventory.template.findResources(type)).find((id) => new RegExp(`^${name}[0-9A-F]{8}$`).test(id))!;
  const statementsOfRole = (name: string) => {
    const roleId = idOf('AWS::IAM::Role', name);
    const policies = Object.values(inventory.template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
    return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
  };

  test('is a function of its own, scheduled every six hours with the same retries and dead-letter queue', () => {
    inventory.template.resourceCountIs('AWS::Lambda::Function', 4);
    inventory.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [idOf('AWS::Lambda::Function', 'CertWatchInventoryFunction'), 'Arn'] },
        Input: JSON.stringify({ task: 'inventory' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 },
      }),
    });
    inventory.template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    inventory.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(scheduled, 0) + FILL(workers, 0) + FILL(inventory, 0) + FILL(unpublished, 0)' })]),
    });
  });

  test('only the inventory may list: ACM and IAM in its own account, the other account\'s role; and its table calls', () => {
    expect(actionsOf(statementsOfRole('CertWatchScheduledFunctionRole')).filter((a) => /^(acm|iam|sts):/.test(a))).toEqual([]);
    expect(actionsOf(statementsOfRole('CertWatchInventoryFunctionRole')).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan']);
    const statements = statementsOfRole('CertWatchInventoryFunctionRole');
    const cloud = statements.filter((s) => actionsOf([s]).some((a) => /^(acm|iam|sts):/.test(a)));
    const arn = (service: string, region: string, resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:${region}:111111111111:${resource}`]] });
    expect(cloud.map((s) => ({ actions: actionsOf([s]), resource: s.Resource }))).toEqual([
      { actions: ['acm:ListCertificates'], resource: '*' },
      { actions: ['acm:DescribeCertificate'], resource: [arn('acm', 'eu-west-1', 'certificate/*'), arn('acm', 'us-east-1', 'certificate/*')] },
      { actions: ['iam:ListServerCertificates'], resource: '*' },
      { actions: ['iam:GetServerCertificate'], resource: arn('iam', '', 'server-certificate/*') },
      { actions: ['sts:AssumeRole'], resource: role },
    ]);
  });

  test('cdk-nag: the listing wildcards are acknowledged, each with its reason, and nothing else is found', () => {
    const report = new AwsSolutionsChecks(inventory.app).validateScope(inventory.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('alarms, dashboard, outputs', () => {
  const alarmTopic = () => ({ Ref: logicalId('AWS::SNS::Topic', 'CertWatchAlarmTopic') });

  test('the dead-man\'s switch: fewer than one completed run in each of two schedule periods, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          MetricStat: { Metric: { Namespace: 'Certwatch', MetricName: 'RunDuration', Dimensions: [{ Name: 'service', Value: 'Test' }] }, Period: 3600, Stat: 'SampleCount' },
        }),
      ],
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [alarmTopic()],
      OKActions: [alarmTopic()],
    });
  });

  test('the watcher\'s errors and its dead letters alarm to the alarm topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [alarmTopic()], OKActions: [alarmTopic()] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(scheduled, 0) + FILL(workers, 0) + FILL(unpublished, 0)' })]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(dlq0, 0) + FILL(dlq1, 0)' })]) });
  });

  test('the three alarms read six metrics in all (what CloudWatch bills them by): the functions\' errors, failed notifications, two queues, completed runs', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { Metrics: { MetricStat?: { Metric: { MetricName: string } } }[] } }[];
    const read = alarms.flatMap((alarm) => alarm.Properties.Metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : [])));
    expect(read.sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesVisible', 'Errors', 'Errors', 'NotificationsFailed', 'RunDuration']);
  });

  test('a dashboard of soonest expiry, statuses, the soonest certificates, failures, notifications and queue depth', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const title of ['Soonest expiry', 'Certificates by status', 'Soonest-expiring certificates', 'Failures', 'Notifications', 'Batches a worker could not finish', 'Probe queue depth', 'Alarms']) {
      expect(body).toContain(title);
    }
    // Counts are sent only when not zero: the graphs draw a missing one as 0.
    expect(body).toContain('FILL(certificatesExpired, 0)');
  });

  test('"dashboard": false leaves the dashboard and its output out; the metrics and the alarms stay', () => {
    const { template: lean } = synth(configFor(caFile, { dashboard: false }));
    lean.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    lean.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(Object.keys(lean.toJSON().Outputs).sort()).toEqual(['OnDemandCheckFunctionName', 'TableName', 'TopicArn']);
  });

  test('the outputs are exactly TableName, TopicArn, OnDemandCheckFunctionName and DashboardName (with the dashboard)', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(['DashboardName', 'OnDemandCheckFunctionName', 'TableName', 'TopicArn']);
    template.hasOutput('TableName', { Value: { Ref: logicalId('AWS::DynamoDB::Table', 'CertWatchStateTable') } });
    template.hasOutput('TopicArn', { Value: TOPIC() });
    template.hasOutput('OnDemandCheckFunctionName', { Value: { Ref: logicalId('AWS::Lambda::Function', 'CertWatchOnDemandCheckFunction') } });
    template.hasOutput('DashboardName', { Value: { Ref: logicalId('AWS::CloudWatch::Dashboard', 'CertWatchMonitoringDashboard') } });
  });
});

describe('the CertWatch construct in another app', () => {
  test('adds the same resources to any stack, and warns at synth when a run could outlast its period', () => {
    const other = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const host = new Stack(other, 'Platform', { env: { account: '222222222222', region: 'us-east-1' } });
    const slow = configFor(caFile, { check: { timeoutMs: 60_000, concurrency: 1, maxAddresses: 1 }, schedule: { probe: 'rate(5 minutes)' } });
    new CertWatch(host, 'Certs', { config: slow, batchSize: 10, maxWorkers: 2 });
    const hosted = Template.fromStack(host);
    hosted.resourceCountIs('AWS::Lambda::Function', 3);
    hosted.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    Annotations.fromStack(host).hasWarning('/Platform/Certs', Match.stringLikeRegexp('a probe run would take .* longer than schedule.probe'));
    Annotations.fromStack(host).hasWarning('/Platform/Certs', Match.stringLikeRegexp('a failed probe batch is offered again after .*: 0 of its 2 retries come within schedule.probe\'s period of 5 minutes'));
  });

  test('a batch that could outlast Lambda\'s 15 minutes is refused at synth, saying what to change', () => {
    const host = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Platform');
    const tooSlow = configFor(caFile, { check: { timeoutMs: 120_000, concurrency: 1, maxAddresses: 1 } });
    expect(() => new CertWatch(host, 'Certs', { config: tooSlow, batchSize: 10 })).toThrow(/takes 23 minutes, over Lambda's 15 minutes: lower check.timeoutMs, check.maxAddresses or batchSize/);
    const hopeless = configFor(caFile, { check: { timeoutMs: 600_000 } });
    expect(() => new CertWatch(host, 'Hopeless', { config: hopeless })).toThrow("one target whose 16 addresses all time out (check.timeoutMs 600000) would outlast Lambda's 15 minutes");
  });
});
