import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type CertwatchConfig } from '../../functions/core/config';
import { DAY_MS } from '../../functions/core/duration';
import type { CertificateProbe, Notifier, PublishResult, StateStore } from '../../functions/core/ports';
import type { PlannedNotification } from '../../functions/core/watch-state';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { runWatch, type RunSummary } from '../../functions/use-cases/run-watch';
import { startDynalite, type DynaliteHarness } from './dynalite';
import { chainFor, issue, type Issued } from './pki';
import { startTlsServer, type RunningServer } from './servers';
import { createResolver } from '../../functions/probes/dns/create-resolver';

// What a watch cycle under test probes and tells: TLS servers on loopback whose leaves expire on chosen days, the
// configs that watch them, a probe that notes its targets, and a notifier that records, or fails, like SNS would.

// Half a second past a whole second: certificates keep whole seconds, so a notAfter of START + n days is always
// just under n days from START + 0 days (days left n - 1, never n when the clock happens to read .000).
const START = Math.floor(Date.now() / 1000) * 1000 + 500;
/** n days into the suite's timeline (jest loads this module afresh for each test file). */
export const day = (n: number) => new Date(START + n * DAY_MS);

/** What a watch-run suite works with, once its beforeAll has run. */
export interface WatchRunSuite {
  /** dynalite on loopback: `createStore()` gives a test a table of its own. */
  readonly dynamo: DynaliteHarness;
  readonly servers: ExpiringServers;
  serverExpiringIn(daysLeft: number, name: string): Promise<RunningServer>;
  configFor(targets: string[], extra?: object): CertwatchConfig;
  /** One watch cycle through the real probe. */
  run(config: CertwatchConfig, store: StateStore, notifier: Notifier, now: Date): Promise<RunSummary>;
}

/** Starts dynalite and the suite's servers before its tests (beforeAll), closes them after (afterAll). */
export function watchRunSuite(): WatchRunSuite {
  let started: { readonly dynamo: DynaliteHarness; readonly servers: ExpiringServers } | undefined;
  beforeAll(async () => {
    started = { dynamo: await startDynalite(), servers: await startExpiringServers(day) };
  });
  afterAll(async () => {
    await started?.servers.close();
    await started?.dynamo.close();
  });
  const running = () => {
    if (!started) throw new Error('watchRunSuite: used before its beforeAll ran');
    return started;
  };
  return {
    get dynamo() {
      return running().dynamo;
    },
    get servers() {
      return running().servers;
    },
    serverExpiringIn: (daysLeft, name) => running().servers.serverExpiringIn(daysLeft, name),
    configFor: (targets, extra) => running().servers.configFor(targets, extra),
    run: (config, store, notifier, now) => runWatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, notifier, now }),
  };
}

/** A notifier double for our own port: records what it was asked to send, or fails while `failing` is set. */
export class RecordingNotifier implements Notifier {
  readonly sent: PlannedNotification[] = [];
  failing = false;
  /** A publish that takes this long lets two racing runs overlap. */
  constructor(private readonly delayMs = 0) {}
  async publish(notification: PlannedNotification): Promise<PublishResult> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failing) throw new Error('ThrottledException: rate exceeded');
    this.sent.push(notification);
    return { messageId: `m-${this.sent.length}` };
  }
  take(): string[] {
    return this.sent.splice(0).map((n) => `${n.kind}/${n.stage}/${n.target}/${n.audiences.join('+')}`);
  }
}

/** The real probe, noting each target as its probe starts. */
export function notingProbe(note: (target: string) => void): CertificateProbe {
  const tlsProbe = new TlsProbe();
  return {
    probe: (target, settings, address) => {
      note(target.target);
      return tlsProbe.probe(target, settings, address);
    },
  };
}

/** TLS servers under one private CA, and configs trusting it. Start in beforeAll, close in afterAll. */
export interface ExpiringServers {
  /** The CA that issues the servers' leaves, for a test that issues its own. */
  readonly intermediate: Issued;
  /** A server whose leaf (398-day lifetime, so no lifetime cap applies) expires at `day(daysLeft)`. */
  serverExpiringIn(daysLeft: number, name: string): Promise<RunningServer>;
  /** A server the test started itself, closed with the others. */
  keep<Server extends RunningServer>(server: Server): Server;
  /** A config watching `targets`; an address target sends servername run.test. */
  configFor(targets: string[], extra?: object): CertwatchConfig;
  close(): Promise<void>;
}

/** `day(n)`: the instant n days into the test's timeline. */
export async function startExpiringServers(day: (n: number) => Date): Promise<ExpiringServers> {
  const pki = await chainFor(['unused.test']);
  const caFile = join(mkdtempSync(join(tmpdir(), 'certwatch-run-')), 'ca.pem');
  writeFileSync(caFile, pki.root.certPem);
  const servers: RunningServer[] = [];
  const keep = <Server extends RunningServer>(server: Server): Server => {
    servers.push(server);
    return server;
  };
  return {
    intermediate: pki.intermediate,
    serverExpiringIn: async (daysLeft, name) => {
      const leaf = await issue({ subject: `CN=${name}`, sans: [name], issuer: pki.intermediate, notBefore: day(daysLeft - 398), notAfter: day(daysLeft) });
      return keep(await startTlsServer({ key: leaf, chain: [leaf, pki.intermediate] }));
    },
    keep,
    configFor: (targets, extra = {}) =>
      parseConfig({
        targets: targets.map((target) => ({ target, servername: target.startsWith('127.') ? 'run.test' : undefined, caFile })),
        check: { timeoutMs: 2000 },
        audiences: { owners: { emails: ['owners@example.com'] }, oncall: { sms: ['+15550000000'] } },
        ...extra,
      }),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
