import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AudienceSubscriptions, type AudienceContacts } from './audience-subscriptions';

export interface AlertTopicProps {
  /** Audience name -> its addresses: each gets email and SMS subscriptions filtered on its name. */
  readonly audiences: Readonly<Record<string, AudienceContacts>>;
}

/**
 * The topic the watcher publishes every notification to (one topic; audiences are filter policies, as the
 * notifier publishes them), encrypted with a customer-managed key (rotated yearly) that the alarm topic shares,
 * TLS required for every call.
 */
export class AlertTopic extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', { description: 'certwatch: encrypts the alert and alarm topics', enableKeyRotation: true });
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'certwatch', masterKey: this.key, enforceSSL: true });
    new AudienceSubscriptions(this, 'Subscriptions', { topic: this.topic, audiences: props.audiences, filterByAudience: true });
  }
}
