import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { CloudSources } from '../../functions/core/cloud-scope';
import { CertwatchFunction, type BindableTable, type BindableTopic } from './certwatch-function';

export interface InventoryWatchProps {
  readonly table: BindableTable;
  /** The alert topic: what the inventory decides is published there. */
  readonly topic: BindableTopic;
  /** The ACM and IAM scopes the config lists. */
  readonly cloud: CloudSources;
  /** The watch plan without its targets (the policy, the thresholds, the scopes), shipped in the bundle. */
  readonly bundledFiles: Readonly<Record<string, string>>;
  /** @default 'certwatch' */
  readonly serviceName?: string;
}

/**
 * The ACM and IAM inventory: its schedule invokes it with `{"task":"inventory"}`; it lists every scope of the
 * config and folds what they hold as `certwatch run` does. A function of its own, so that only it may list
 * certificates (bindCloudSources) and only its bundle carries the ACM, IAM and STS clients. On the table: Scan (a
 * scope's earlier certificates are found by their state), GetItem and PutItem (each decision), DeleteItem (a
 * certificate gone from its listing is retired).
 */
export class InventoryWatch extends Construct {
  readonly handler: CertwatchFunction;

  constructor(scope: Construct, id: string, props: InventoryWatchProps) {
    super(scope, id);
    this.handler = new CertwatchFunction(this, 'Function', {
      entry: 'inventory/handler.ts',
      description: 'certwatch: list ACM and IAM certificates, remember, notify',
      timeout: Duration.minutes(10),
      memorySize: 1024,
      bundledFiles: props.bundledFiles,
      serviceName: props.serviceName,
    })
      .bindTable(props.table, ['GetItem', 'PutItem', 'DeleteItem', 'Scan'])
      .bindTopic(props.topic)
      .bindCloudSources(props.cloud);
  }
}
