import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CertwatchFunction, type BindableTable, type FunctionVpcPlacement } from './certwatch-function';

export interface OnDemandCheckProps {
  /** The state table: ack, forget and status act on it. */
  readonly table: BindableTable;
  /** @default outside any VPC */
  readonly vpc?: FunctionVpcPlacement;
  /** @default 'certwatch' */
  readonly serviceName?: string;
}

/**
 * The on-demand function: `aws lambda invoke --function-name <OnDemandCheckFunctionName> --payload
 * '{"targets":["example.com"]}' out.json` checks endpoints now; the actions ack, forget and status act on the
 * deployed state. Its role: its logs, and the table's GetItem (ack, forget), PutItem (ack), DeleteItem (forget) and
 * Scan (status).
 */
export class OnDemandCheck extends Construct {
  readonly handler: CertwatchFunction;

  constructor(scope: Construct, id: string, props: OnDemandCheckProps) {
    super(scope, id);
    this.handler = new CertwatchFunction(this, 'Check', {
      entry: 'on-demand/handler.ts',
      description: 'certwatch: check TLS endpoints now; ack, forget and list watched certificates',
      timeout: Duration.minutes(5),
      serviceName: props.serviceName,
    }).bindTable(props.table, ['GetItem', 'PutItem', 'DeleteItem', 'Scan']);
    if (props.vpc) this.handler.placeInVpc(props.vpc);
  }
}
