// The ACM fake of bench/acm-listing.mjs, in its own process (run with `node --import tsx`): test/support/acm-fake.ts's
// model holding a realistic estate per region, served on loopback with per-call latency and ACM's rate limits.
// Arguments: --count N (over all regions), --regions a,b,c, --latency-ms L, --list-rate R, --describe-rate R.
// Reports { url, certificates, inWindow } over IPC once listening; answers 'stats' with the calls received and
// 'reset' by zeroing them.
import { parseArgs } from 'node:util';
import { FakeAcm, realisticEstate, startAcmHttpFake } from '../test/support/acm-fake';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    regions: { type: 'string', default: 'eu-west-1,us-east-1,ap-southeast-2' },
    'latency-ms': { type: 'string', default: '50' },
    'list-rate': { type: 'string', default: '8' },
    'describe-rate': { type: 'string', default: '10' },
  },
});

async function main(): Promise<void> {
  const regions = values.regions.split(',');
  const count = Number(values.count);
  const now = new Date();
  const model = new FakeAcm();
  let inWindow = 0;
  regions.forEach((region, index) => {
    const estate = realisticEstate(Math.floor(count / regions.length) + (index < count % regions.length ? 1 : 0), region, now, index + 1);
    inWindow += estate.filter(({ summary }) => summary.Type !== 'IMPORTED' && summary.RenewalEligibility === 'ELIGIBLE' && summary.NotAfter!.getTime() - now.getTime() < 60 * 86_400_000).length;
    model.add(region, estate);
  });
  const fake = await startAcmHttpFake(model, {
    latencyMs: Number(values['latency-ms']),
    rateLimits: { list: Number(values['list-rate']), describe: Number(values['describe-rate']) },
  });
  process.on('message', (message) => {
    if (message === 'stats') process.send!({ received: { ...fake.received }, list: Object.fromEntries(model.calls.list), describe: Object.fromEntries(model.calls.describe) });
    if (message === 'reset') {
      fake.received.list = fake.received.describe = fake.received.throttled = 0;
      model.calls.list.clear();
      model.calls.describe.clear();
      process.send!('reset');
    }
  });
  process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
  process.send!({ url: fake.url, certificates: count, inWindow });
}

void main();
