import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';

/** An audience's addresses, as the config lists them. */
export interface AudienceContacts {
  readonly emails: readonly string[];
  readonly sms: readonly string[];
}

export interface AudienceSubscriptionsProps {
  readonly topic: sns.ITopic;
  /** Audience name -> its addresses. */
  readonly audiences: Readonly<Record<string, AudienceContacts>>;
  /**
   * Each subscription filters on `{"audiences": ["<its audience>"]}` (the alert topic: one publish reaches exactly
   * the audiences it names). Off for the alarm topic: CloudWatch's notifications carry no message attributes.
   */
  readonly filterByAudience: boolean;
}

/**
 * Email and SMS subscriptions of the configured audiences. A subscription's construct id is a digest of its
 * audience, protocol and address, not the address itself (which would otherwise be spelled out in logical ids and
 * construct paths), and stable: adding an address does not replace the others (an email subscription replaced is
 * one to confirm again).
 */
export class AudienceSubscriptions extends Construct {
  readonly subscriptions: sns.Subscription[] = [];

  constructor(scope: Construct, id: string, props: AudienceSubscriptionsProps) {
    super(scope, id);
    for (const [audience, contacts] of Object.entries(props.audiences)) {
      const filterPolicy = props.filterByAudience ? { audiences: sns.SubscriptionFilter.stringFilter({ allowlist: [audience] }) } : undefined;
      const subscribe = (protocol: sns.SubscriptionProtocol, endpoint: string) =>
        this.subscriptions.push(
          new sns.Subscription(this, `${audience}-${protocol}-${digest(audience, protocol, endpoint)}`, { topic: props.topic, protocol, endpoint, filterPolicy }),
        );
      contacts.emails.forEach((email) => subscribe(sns.SubscriptionProtocol.EMAIL, email));
      contacts.sms.forEach((phone) => subscribe(sns.SubscriptionProtocol.SMS, phone));
    }
  }
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 10);
}
