import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CertWatch, type CertWatchProps } from './certwatch';

export interface CertwatchStackProps extends StackProps {
  /** What the CertWatch construct is given: the validated config, and its optional sizing. */
  readonly certwatch: CertWatchProps;
}

/**
 * certwatch's own stack: the CertWatch construct, as any CDK app would add it, and the outputs operators use. The
 * outputs are declared here, on the stack, so that their ids stay exactly these (inside a construct they would be
 * hashed).
 */
export class CertwatchStack extends Stack {
  readonly certwatch: CertWatch;

  constructor(scope: Construct, id: string, props: CertwatchStackProps) {
    super(scope, id, props);
    this.certwatch = new CertWatch(this, 'CertWatch', props.certwatch);
    new CfnOutput(this, 'TableName', { value: this.certwatch.stateTable.tableName, description: 'the DynamoDB state table' });
    new CfnOutput(this, 'TopicArn', { value: this.certwatch.alertTopic.topic.topicArn, description: 'the alert topic (audiences are filter policies)' });
    new CfnOutput(this, 'OnDemandCheckFunctionName', {
      value: this.certwatch.onDemand.handler.function.functionName,
      description: 'aws lambda invoke --function-name <this> --payload \'{"targets":["example.com"]}\' out.json',
    });
    const { dashboard } = this.certwatch.monitoring;
    // None when the config turns the dashboard off (`"dashboard": false`).
    if (dashboard) new CfnOutput(this, 'DashboardName', { value: dashboard.dashboardName, description: 'the CloudWatch dashboard' });
  }
}
