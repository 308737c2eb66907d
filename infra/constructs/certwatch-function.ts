import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CloudSources } from '../../functions/core/cloud-scope';
import { METRICS_NAMESPACE } from '../../functions/lambda/metric-names';
import { RUNTIME_ENVIRONMENT } from '../../functions/lambda/runtime-config';
import { packageRoot } from '../package-root';

/** A DynamoDB call a function makes on the state table (`dynamodb:<name>`). */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Scan';

/** The state table as the functions see it. */
export interface BindableTable {
  readonly tableName: string;
  readonly tableArn: string;
}

/** An SNS topic encrypted with a customer-managed key: publishing needs the key too. */
export interface BindableTopic {
  readonly topic: sns.ITopic;
  readonly key: kms.IKey;
}

/** Subnets and security groups for functions that probe endpoints inside a VPC. */
export interface FunctionVpcPlacement {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface CertwatchFunctionProps {
  /** Path of the handler module under functions/, e.g. `on-demand/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Files shipped beside the handler in its asset (name relative to the bundle -> content), e.g. the watch plan and
   * the CA files the config names: what the function reads travels with the deployment, not with the synth machine.
   * @default none
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /**
   * The `service` dimension of its metrics and logs (Powertools): one per deployment in an account and region.
   * @default 'certwatch'
   */
  readonly serviceName?: string;
}

/**
 * The house Lambda function: Node.js 24 on arm64, bundled by esbuild with source maps (without embedded sources),
 * its own log group with retention, and a role that may write only to that log group (no managed policy). Every
 * other permission comes with the `bind*` method that also sets the environment variable the code reads, so that a
 * grant and its variable cannot drift apart.
 */
export class CertwatchFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CertwatchFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
    );
    const root = packageRoot();
    const bundledFiles = props.bundledFiles ?? {};
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(root, 'functions', props.entry),
      projectRoot: root,
      depsLockFilePath: path.join(root, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.minutes(1),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'certwatch',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // The map names files and lines for stack traces; the sources themselves would triple the asset.
        sourcesContent: false,
        // The SDK is bundled too: the versions tested are the versions deployed.
        externalModules: [],
        // ES modules where a package has them: esbuild drops what is not used (a third off the SDK's size). Their
        // import() of Node built-ins becomes require(), as in the CommonJS builds: the bundle is plain CommonJS.
        mainFields: ['module', 'main'],
        esbuildArgs: { '--supported:dynamic-import': 'false' },
        ...(Object.keys(bundledFiles).length > 0 ? { commandHooks: copyIntoBundle(bundledFiles) } : {}),
      },
    });
  }

  /** The state table: CERTWATCH_TABLE, and exactly `actions` on it. */
  bindTable(table: BindableTable, actions: readonly TableAction[]): this {
    this.function.addEnvironment(RUNTIME_ENVIRONMENT.tableName, table.tableName);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: [...actions].sort().map((action) => `dynamodb:${action}`), resources: [table.tableArn] }));
    return this;
  }

  /**
   * Publishing to a topic under a customer-managed key: CERTWATCH_TOPIC_ARN, sns:Publish on the topic, and the two
   * KMS calls SNS makes with the publisher's credentials to encrypt the message (without them every publish fails
   * in AWS, and nothing fails in a test), only for this topic's encryption context.
   */
  bindTopic(target: BindableTopic): this {
    this.function.addEnvironment(RUNTIME_ENVIRONMENT.topicArn, target.topic.topicArn);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [target.topic.topicArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [target.key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': target.topic.topicArn } },
      }),
    );
    return this;
  }

  /** Sending probe batches: CERTWATCH_PROBE_QUEUE_URL and sqs:SendMessage (SendMessageBatch's action) on the queue. */
  bindQueue(queue: sqs.IQueue): this {
    this.function.addEnvironment(RUNTIME_ENVIRONMENT.probeQueueUrl, queue.queueUrl);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    return this;
  }

  /**
   * Invoked by the queue's event source mapping, which polls with this function's role (receive, delete, change
   * visibility: granted by the event source). Partial batch responses: a failed message is retried alone.
   */
  consumeQueue(queue: sqs.IQueue, options: { readonly batchSize: number; readonly maxConcurrency: number }): this {
    this.function.addEventSource(new SqsEventSource(queue, { batchSize: options.batchSize, maxConcurrency: options.maxConcurrency, reportBatchItemFailures: true }));
    return this;
  }

  /**
   * Listing ACM and IAM as the config asks (the inventory): in the function's own account, ACM's list (which allows
   * no resource) and describe of its certificates in each region, IAM's server certificates; for another account,
   * only assuming its role (what that role may list is the other account's to grant).
   */
  bindCloudSources(cloud: CloudSources): this {
    const stack = Stack.of(this);
    // An ARN, and how cdk-nag names it in a finding (pseudo parameters as <AWS::...>).
    const arn = (service: string, region: string, resource: string) => {
      const [account, accountName] = Token.isUnresolved(stack.account) ? [stack.account, '<AWS::AccountId>'] : [stack.account, stack.account];
      const [inRegion, regionName] = region === '' || !Token.isUnresolved(region) ? [region, region] : [region, '<AWS::Region>'];
      return { arn: `arn:${stack.partition}:${service}:${inRegion}:${account}:${resource}`, nagName: `arn:<AWS::Partition>:${service}:${regionName}:${accountName}:${resource}` };
    };
    const acknowledge = (resource: string, reason: string) => Validations.of(this.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    const ownAcmRegions = [...new Set(cloud.acm.filter((scope) => scope.role === null).map((scope) => scope.region ?? stack.region))];
    const roles = [...new Set([...cloud.acm, ...cloud.iam].flatMap((scope) => (scope.role ? [scope.role.roleArn] : [])))];
    const listsOwnIam = cloud.iam.some((scope) => scope.role === null);
    if (ownAcmRegions.length > 0) {
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['acm:ListCertificates'], resources: ['*'] }));
      const certificates = ownAcmRegions.map((region) => arn('acm', region, 'certificate/*'));
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['acm:DescribeCertificate'], resources: certificates.map((c) => c.arn) }));
      for (const { nagName } of certificates) acknowledge(nagName, "the inventory describes every certificate ACM lists in the account's region: their ids are not known before the listing");
    }
    if (listsOwnIam) {
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:ListServerCertificates'], resources: ['*'] }));
      const certificates = arn('iam', '', 'server-certificate/*');
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:GetServerCertificate'], resources: [certificates.arn] }));
      acknowledge(certificates.nagName, 'the inventory reads every server certificate IAM lists in the account: their names are not known before the listing');
    }
    if (ownAcmRegions.length > 0 || listsOwnIam) {
      acknowledge('*', 'acm:ListCertificates and iam:ListServerCertificates allow no resource-level permission (the AWS service authorization reference lists none)');
    }
    if (roles.length > 0) this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: roles }));
    return this;
  }

  /**
   * Runs the function inside the VPC's subnets, so that it reaches internal endpoints. Lambda creates and deletes
   * the function's network interfaces with this role.
   */
  placeInVpc(placement: FunctionVpcPlacement): this {
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    cfn.vpcConfig = { subnetIds: [...placement.subnetIds], securityGroupIds: [...placement.securityGroupIds] };
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:UnassignPrivateIpAddresses',
        ],
        // The Describe calls allow no resource; the interfaces' ids are Lambda's, unknown until it makes them.
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "Lambda manages a VPC function's network interfaces with its role: ec2:Describe* allow no resource-level permission, and the interfaces do not exist before Lambda creates them (the statement is AWSLambdaVPCAccessExecutionRole's, without a managed policy)",
    });
    return this;
  }
}

/**
 * Writes the files into a directory of their own now, and copies them into the bundle after esbuild has run (local
 * bundling runs the hook in a shell; `node` makes the copy the same on every platform).
 */
function copyIntoBundle(files: Readonly<Record<string, string>>): { beforeBundling(): string[]; beforeInstall(): string[]; afterBundling(inputDir: string, outputDir: string): string[] } {
  const staging = mkdtempSync(path.join(tmpdir(), 'certwatch-bundle-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(staging, name);
    if (path.relative(staging, file).startsWith('..')) throw new Error(`bundled file ${name} would be outside the bundle`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const copy = `require('node:fs').cpSync(process.argv[1], process.argv[2], { recursive: true })`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [`node -e "${copy}" "${staging}" "${outputDir}"`],
  };
}
