import type { CheckResult } from '../core/check-result';
import { batchSummaries, nameResolver, stateStore, tlsProbe } from '../lambda/adapters';
import { parseOrReject } from '../lambda/invalid-event-error';
import { logger } from '../lambda/logger';
import { acknowledgeCertificate } from '../use-cases/acknowledge-certificate';
import { checkTargets } from '../use-cases/check-targets';
import { forgetCertificate } from '../use-cases/forget-certificate';
import { statusReport, type StatusRow } from '../use-cases/status-report';
import { readableStates } from '../core/escalation/state-shape';
import { parseOnDemandEvent, type OnDemandRequest } from './on-demand-event';

export interface AckResponse {
  readonly certificateId: string;
  readonly acknowledged: { readonly stage: string; readonly until: string | null; readonly note: string | null; readonly by: string | null };
}

export interface ForgetResponse {
  readonly certificateId: string;
  /** What was deleted: the state's last status and expiry and how many notices had been sent, or why the item was unreadable. */
  readonly forgotten: { readonly status: string; readonly notAfter: string | null; readonly noticesSent: number } | { readonly unreadable: string };
}

type Request<Action extends OnDemandRequest['action']> = Extract<OnDemandRequest, { action: Action }>;

/**
 * The on-demand function. `{ "targets": [...], "options": {...} }` (action `check`, the default) returns the same
 * array as `certwatch check --json`; `{ "action": "ack", "certificateId" (or "target", "servername"?), "until"?,
 * "note"? }` acknowledges; `{ "action": "forget", "certificateId" (or "target", "servername"?) }` deletes a
 * certificate's state (a target removed from the config); `{ "action": "status" }` lists watched certificates
 * soonest first.
 */
export async function handler(event: unknown): Promise<CheckResult[] | AckResponse | ForgetResponse | StatusRow[]> {
  const request = parseOrReject(parseOnDemandEvent, event, (reason) => logger.warn('rejected a malformed event', { reason }));
  switch (request.action) {
    case 'check':
      return check(request);
    case 'ack':
      return ack(request);
    case 'forget':
      return forget(request);
    case 'status':
      return status();
  }
}

async function check(request: Request<'check'>): Promise<CheckResult[]> {
  const results = await checkTargets(request.requests, request.settings, { probe: tlsProbe(), resolver: nameResolver(request.dnsServers), now: () => new Date() });
  for (const result of results) {
    logger.info('checked', { target: result.target, status: result.status, daysRemaining: result.daysRemaining, errorCode: result.error?.code ?? null });
  }
  return results;
}

async function ack(request: Request<'ack'>): Promise<AckResponse> {
  const { state, acknowledgement } = await acknowledgeCertificate(
    stateStore(),
    request.certificateId,
    { at: new Date(), alert: request.alert, until: request.until, note: request.note, by: request.by },
    batchSummaries(),
  );
  logger.info('acknowledged', { certificateId: state.certificateId, stage: acknowledgement.stage, until: acknowledgement.until });
  return {
    certificateId: state.certificateId,
    acknowledged: { stage: acknowledgement.stage, until: acknowledgement.until, note: acknowledgement.note, by: acknowledgement.by ?? null },
  };
}

async function forget(request: Request<'forget'>): Promise<ForgetResponse> {
  const forgotten = await forgetCertificate(stateStore(), request.certificateId, batchSummaries());
  if ('unreadable' in forgotten) {
    logger.info('forgot an unreadable item', { certificateId: request.certificateId, reason: forgotten.unreadable });
    return { certificateId: request.certificateId, forgotten };
  }
  const { state } = forgotten;
  logger.info('forgot', { certificateId: state.certificateId, status: state.status, noticesSent: state.sent.length });
  return { certificateId: state.certificateId, forgotten: { status: state.status, notAfter: state.certificate?.notAfter ?? null, noticesSent: state.sent.length } };
}

async function status(): Promise<StatusRow[]> {
  const { states, skipped } = readableStates(await stateStore().list());
  for (const item of skipped) logger.warn('skipped an unreadable state item', { key: item.key, reason: item.reason });
  return statusReport(states, new Date());
}
