import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { PARTITION_KEY } from '../../functions/store/state-item-encoding';
import { SUMMARY_EXPIRY_ATTRIBUTE } from '../../functions/store/summary-item-encoding';

/**
 * The state table: one item per watched certificate (the key the store adapter checks), the run ledger, the current
 * run's progress, the batches' summaries and the change journal. On-demand billing, point-in-time recovery,
 * encrypted with the AWS-managed key, protected from deletion and kept when the stack is deleted: it holds what was
 * sent to whom, and the acknowledgements. DynamoDB's TTL removes the summaries of batches a deploy replaced (only
 * they carry the attribute).
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: SUMMARY_EXPIRY_ATTRIBUTE,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  get tableArn(): string {
    return this.table.tableArn;
  }
}
