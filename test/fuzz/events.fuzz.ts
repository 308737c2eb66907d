// The on-demand Lambda's events fuzzed (`aws lambda invoke --payload ...`): valid events of every action, edited at
// random (fields dropped, swapped for hostile values of any type, keys added), and values that are not objects,
// parsed as the handler parses them (parseOnDemandEvent). What an event may give: a request, or an InvalidEventError
// naming each bad field. Anything else (another error, a problem reading "[object Object]" or a bare "Invalid
// input") is a bug. Run by test/fuzz/run.ts (`npm run fuzz`).
import { InvalidEventError, parseOnDemandEvent } from '../../functions/on-demand/on-demand-event';
import { counted, type Fuzz, HOSTILE_VALUES, jsonEditor, seededRandom } from './fuzzing';

const EVENTS: readonly unknown[] = [
  { targets: ['example.com', { target: '10.0.0.1:8443', servername: 'api.internal', caFile: 'ca.pem' }], options: { warningDays: 30, criticalDays: 7, timeoutMs: 5000, concurrency: 10, dnsServer: ['10.0.0.2'], json: true } },
  { action: 'check', targets: ['smtp://mail.example.com:587'], options: { firstAddress: true, caFile: ['a.pem', 'b.pem'] } },
  { action: 'ack', certificateId: 'tls:a.example:443', alert: 'expiry', until: '2026-12-01T09:00:00Z', note: 'renewing', by: 'ops' },
  { action: 'ack', target: 'a.example', servername: 'b.example' },
  { action: 'forget', certificateId: 'tls:a.example:443' },
  { action: 'forget', target: 'imap://mail.example.com' },
  { action: 'status' },
];

export const fuzzEvents: Fuzz = async ({ count, seed, report }) => {
  const rng = seededRandom(seed);
  const edited = jsonEditor(rng, ['action', 'targets', 'options', 'certificateId', 'target', 'servername', 'until', 'x']);
  const bugs = new Map<string, number>();
  const outcomes = new Map<string, number>();
  for (let i = 0; i < count * 5; i++) {
    // As Lambda hands it over: parsed from JSON ("__proto__" an own key, no undefined).
    const event: unknown = JSON.parse(JSON.stringify(rng.random() < 0.05 ? rng.pick(HOSTILE_VALUES) : edited(rng.pick(EVENTS))));
    let outcome: string;
    try {
      outcome = parseOnDemandEvent(event).action;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) {
        outcome = 'BUG';
        counted(bugs, `${(error as Error).name} ${(error as Error).message.slice(0, 200)} (${JSON.stringify(event).slice(0, 200)})`);
      } else {
        outcome = 'InvalidEventError';
        if (/\[object |NaN|undefined|TypeError|Invalid input(;|$)/.test(error.message)) counted(bugs, `worded oddly: ${error.message.slice(0, 200)}`);
      }
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  report(`events: ${[...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
  return bugs;
};
