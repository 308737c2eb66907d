import { Logger } from '@aws-lambda-powertools/logger';
import type { CheckResult } from '../core/check-result';
import type { StateStore } from '../core/ports';
import { readRuntimeConfig } from '../lambda/runtime-config';
import { TlsProbe } from '../probes/tls-probe';
import { acknowledgeCertificate } from '../use-cases/acknowledge-certificate';
import { forgetCertificate } from '../use-cases/forget-certificate';
import { statusReport, type StatusRow } from '../use-cases/status-report';
import { createDynamoDbClient } from '../store/dynamodb-client';
import { DynamoDbStateStore } from '../store/dynamodb-state-store';
import { InvalidEventError, parseOnDemandEvent } from './on-demand-event';
import { checkTargets } from '../use-cases/check-targets';

const logger = new Logger({ serviceName: 'certwatch' });
// Per container: the probe keeps its trust stores (parsed roots); the store and its client are built on first use.
const probe = new TlsProbe();
let store: StateStore | undefined;

function stateStore(): StateStore {
  store ??= new DynamoDbStateStore({ client: createDynamoDbClient(), tableName: readRuntimeConfig().tableName });
  return store;
}

export interface AckResponse {
  readonly certificateId: string;
  readonly acknowledged: { readonly stage: string; readonly until: string | null; readonly note: string | null };
}

export interface ForgetResponse {
  readonly certificateId: string;
  /** What was deleted: the state's last status and expiry and how many notices had been sent, or why the item was unreadable. */
  readonly forgotten: { readonly status: string; readonly notAfter: string | null; readonly noticesSent: number } | { readonly unreadable: string };
}

/**
 * The on-demand function. `{ "targets": [...], "options": {...} }` (action `check`, the default) returns the same
 * array as `certwatch check --json`; `{ "action": "ack", "certificateId" (or "target", "servername"?), "until"?,
 * "note"? }` acknowledges; `{ "action": "forget", "certificateId" (or "target", "servername"?) }` deletes a
 * certificate's state (a target removed from the config); `{ "action": "status" }` lists watched certificates
 * soonest first.
 */
export async function handler(event: unknown): Promise<CheckResult[] | AckResponse | ForgetResponse | StatusRow[]> {
  let request: ReturnType<typeof parseOnDemandEvent>;
  try {
    request = parseOnDemandEvent(event);
  } catch (error) {
    if (error instanceof InvalidEventError) logger.warn('rejected a malformed event', { reason: error.message });
    throw error;
  }
  switch (request.action) {
    case 'check': {
      const results = await checkTargets(request.requests, request.settings, { probe, now: () => new Date() });
      for (const result of results) {
        logger.info('checked', { target: result.target, status: result.status, daysRemaining: result.daysRemaining, errorCode: result.error?.code ?? null });
      }
      return results;
    }
    case 'ack': {
      const { state, acknowledgement } = await acknowledgeCertificate(stateStore(), request.certificateId, {
        at: new Date(),
        alert: request.alert,
        until: request.until,
        note: request.note,
      });
      logger.info('acknowledged', { certificateId: state.certificateId, stage: acknowledgement.stage, until: acknowledgement.until });
      return { certificateId: state.certificateId, acknowledged: { stage: acknowledgement.stage, until: acknowledgement.until, note: acknowledgement.note } };
    }
    case 'forget': {
      const forgotten = await forgetCertificate(stateStore(), request.certificateId);
      if ('unreadable' in forgotten) {
        logger.info('forgot an unreadable item', { certificateId: request.certificateId, reason: forgotten.unreadable });
        return { certificateId: request.certificateId, forgotten };
      }
      const { state } = forgotten;
      logger.info('forgot', { certificateId: state.certificateId, status: state.status, noticesSent: state.sent.length });
      return { certificateId: state.certificateId, forgotten: { status: state.status, notAfter: state.certificate?.notAfter ?? null, noticesSent: state.sent.length } };
    }
    case 'status': {
      const { states, unreadable } = await stateStore().list();
      for (const item of unreadable) logger.warn('skipped an unreadable state item', { key: item.key, reason: item.reason });
      return statusReport(states, new Date());
    }
  }
}
