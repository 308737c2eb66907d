import { openStore } from './functions/cli/store-wiring';
(async () => {
  const opened = await openStore({ store: '/tmp/race/c3' }).catch((e) => { console.log('open failed', e); throw e; });
  try { console.log(await opened.store.list()); } catch (e) { console.log('list failed', e); }
  try { await opened.close(); } catch (e) { console.log('close failed', e); }
})();
