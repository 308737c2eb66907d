import { parseConfig } from '../../functions/core/config';
import type { WatchState } from '../../functions/core/watch-state';
import { SdkCloudReaders } from '../../functions/probes/cloud-readers';
import { watchInventory } from '../../functions/use-cases/watch-inventory';
import { acmSummary, DEFAULT_ACCOUNT, FakeAcm, startAcmHttpFake, type AcmHttpFake } from '../support/acm-fake';
import { LOOPBACK_CLIENT_SETTINGS } from '../support/dynalite';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// The deployed ACM and IAM inventory: the real ACM reader (its SDK client) against ACM on loopback, the real
// DynamoDB adapter on dynalite, folded as `certwatch run` folds its listings.

const suite = watchRunSuite();
let acm: FakeAcm;
let acmServer: AcmHttpFake;

beforeEach(async () => {
  acm = new FakeAcm();
  acmServer = await startAcmHttpFake(acm);
});
afterEach(() => acmServer.close());

const config = parseConfig({ acm: { regions: ['eu-west-1'] }, audiences: { owners: { emails: ['owners@example.com'] }, oncall: {} } });
const arn = (id: string) => `arn:aws:acm:eu-west-1:${DEFAULT_ACCOUNT}:certificate/${id}`;
const readers = () => new SdkCloudReaders({ endpoint: acmServer.url, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });

test('an inventory stores what ACM lists, alerts like a run, and a second one sends nothing', async () => {
  const store = await suite.dynamo.createStore();
  const notifier = new RecordingNotifier();
  acm.add('eu-west-1', [{ summary: acmSummary('soon', 20, day(0), { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }, { summary: acmSummary('fine', 200, day(0)) }]);

  const first = await watchInventory(config, { store, notifier, now: day(0), cloud: readers() });
  expect(first).toMatchObject({ targets: 2, byStatus: { warning: 1, ok: 1 }, notificationsSent: 1, listingFailures: [], disappeared: [] });
  expect(notifier.take()).toEqual([`expiry/warning/${arn('soon')}/owners`]);
  expect(await store.get(arn('fine'))).toMatchObject({ source: 'acm', scope: 'acm:eu-west-1', status: 'ok' });

  const second = await watchInventory(config, { store, notifier, now: day(0.25), cloud: readers() });
  expect(second).toMatchObject({ notificationsSent: 0, storeWrites: 0 });
  expect(notifier.take()).toEqual([]);
});

test('a certificate gone from the listing is retired, with one notice; a listing that fails is reported as the failure of its scope', async () => {
  const store = await suite.dynamo.createStore();
  const notifier = new RecordingNotifier();
  acm.add('eu-west-1', [{ summary: acmSummary('in-use', 200, day(0)) }]);
  await watchInventory(config, { store, notifier, now: day(0), cloud: readers() });

  const emptied = new FakeAcm();
  await acmServer.close();
  acmServer = await startAcmHttpFake(emptied);
  const gone = await watchInventory(config, { store, notifier, now: day(1), cloud: readers() });
  expect(gone.disappeared).toEqual([arn('in-use')]);
  expect(notifier.take()).toEqual([`error/disappeared/${arn('in-use')}/owners`]);
  expect((await store.list()).states).toEqual([]);

  emptied.fail('eu-west-1', { name: 'AccessDeniedException', message: 'User is not authorized to perform: acm:ListCertificates', status: 400 });
  const denied = await watchInventory(config, { store, notifier, now: day(2), cloud: readers() });
  expect(denied.listingFailures).toEqual([{ certificateId: 'acm:eu-west-1', message: expect.stringContaining('AccessDenied') }]);
});

test.each<[string, (state: WatchState) => unknown, string]>([
  ['a retirement that fails on it', (state) => ({ ...state, history: 'lost', sent: 7 }), 'sent: Invalid input: expected array, received number; history: Invalid input: expected array, received string (reading it failed: TypeError: state.sent is not iterable)'],
  // foldDisappearance itself reads the findings: it threw before any settlement, and took the whole inventory down
  ['the disappearance decided from it', (state) => ({ ...state, certificate: { ...state.certificate, findings: null } }), 'certificate.findings: Invalid input: expected array, received null (reading it failed: TypeError:'],
])('a stored state of the wrong shape among a listing\'s certificates (%s) is reported with what is wrong, and the inventory goes on', async (_label, damage, problem) => {
  const store = await suite.dynamo.createStore();
  const notifier = new RecordingNotifier();
  acm.add('eu-west-1', [{ summary: acmSummary('gone', 200, day(0)) }, { summary: acmSummary('kept', 20, day(0)) }]);
  await watchInventory(config, { store, notifier, now: day(0), cloud: readers() });
  notifier.take();
  const stored = (await store.get(arn('gone')))!;
  await store.put(damage(stored) as WatchState, stored.version);

  const emptied = new FakeAcm();
  emptied.add('eu-west-1', [{ summary: acmSummary('kept', 20, day(0)) }]);
  await acmServer.close();
  acmServer = await startAcmHttpFake(emptied);
  const after = await watchInventory(config, { store, notifier, now: day(1), cloud: readers() });
  expect(after.storeFailures).toEqual([{ certificateId: arn('gone'), message: expect.stringContaining(`the stored state of ${arn('gone')} is not a certwatch state: ${problem}`) }]);
  expect(after.disappeared).toEqual([arn('gone')]);
  expect(await store.get(arn('kept'))).toMatchObject({ source: 'acm', status: expect.any(String) });
});
