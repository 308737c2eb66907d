import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CertwatchFunction } from './certwatch-function';

/**
 * The on-demand check: `aws lambda invoke --function-name <OnDemandCheckFunctionName> --payload
 * '{"targets":["example.com"]}' out.json`. It needs no AWS permission beyond its own logs.
 */
export class OnDemandCheck extends Construct {
  readonly handler: CertwatchFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.handler = new CertwatchFunction(this, 'Check', {
      entry: 'on-demand/handler.ts',
      description: 'certwatch: check TLS endpoints now',
      timeout: Duration.minutes(5),
    });
  }
}
