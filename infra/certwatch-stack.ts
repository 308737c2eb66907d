import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OnDemandCheck } from './constructs/on-demand-check';

export type CertwatchStackProps = StackProps;

/** Composes certwatch's constructs; holds no resources of its own. */
export class CertwatchStack extends Stack {
  constructor(scope: Construct, id: string, props: CertwatchStackProps = {}) {
    super(scope, id, props);
    const onDemand = new OnDemandCheck(this, 'OnDemandCheck');
    new CfnOutput(this, 'OnDemandCheckFunctionName', { value: onDemand.handler.function.functionName });
  }
}
