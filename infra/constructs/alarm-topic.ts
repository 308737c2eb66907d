import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AudienceSubscriptions, type AudienceContacts } from './audience-subscriptions';

export interface AlarmTopicProps {
  /** The customer-managed key of the alert topic: one key for both. */
  readonly key: kms.IKey;
  /** The audiences told about the watcher's own alarms, with their addresses. */
  readonly audiences: Readonly<Record<string, AudienceContacts>>;
}

/**
 * Where the watcher's own alarms go. A topic apart from the alert topic: CloudWatch's alarm notifications carry no
 * message attributes, so on the alert topic, whose every subscription filters on `audiences`, they would reach
 * nobody. Its subscriptions take everything. CloudWatch publishes with its own principal, so the key's policy lets
 * `cloudwatch.amazonaws.com` encrypt with it, for alarms in this account.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'certwatch alarms', masterKey: props.key, enforceSSL: true });
    const { account, region, partition } = Stack.of(this);
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToCertwatchAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    new AudienceSubscriptions(this, 'Subscriptions', { topic: this.topic, audiences: props.audiences, filterByAudience: false });
  }
}
