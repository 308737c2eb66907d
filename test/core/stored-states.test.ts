import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { StoredDocument } from '../../functions/core/ports';
import { type DocumentPage, ListedStates, packPage, PagePacker, RAW_DOCUMENTS } from '../../functions/core/stored-states';
import { fullState, unreachableState } from '../store/watch-state-fixture';

// The listing a run reads, kept compact: a Scan page's documents in one buffer (the first as written, the others
// deflated against it), read back one state at a time.

const asDocument = ({ certificateId, version, ...rest }: ReturnType<typeof fullState>): StoredDocument => ({ certificateId, version, document: JSON.stringify(rest) });

test('a page of documents crosses as one buffer and reads back as written, characters of any width included', () => {
  const written = [
    fullState('tls:ascii.example:443'),
    { ...fullState('tls:wide.example:443'), owner: 'équipe 证书 🔐' },
    unreachableState('tls:empty.example:443'),
    // Larger than deflate's window: what it cannot take from the first document it writes itself.
    { ...fullState('tls:large.example:443'), tags: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`tag-${i}`, `value ${i} ${'x'.repeat(i % 50)}`])) },
  ];
  const legacy = { ...fullState('tls:legacy.example:443'), version: 4 };
  const documents: StoredDocument[] = [
    ...written.map(asDocument),
    { certificateId: legacy.certificateId, state: legacy },
  ];
  const page = packPage(documents);
  // As the thread sends it: the buffer moves, the sender keeps nothing.
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(page, [page.bytes]);
  expect(page.bytes.byteLength).toBe(0);
  const received = receiveMessageOnPort(port2)?.message as DocumentPage;
  port1.close();
  const listed = new ListedStates();
  listed.addPage(received);
  expect([...listed.values()]).toStrictEqual([...written, legacy]);
});

test('a state taken leaves the listing; a page\'s buffer serves the states still in it, the first (the others\' dictionary) taken or not', () => {
  const written = ['a', 'b', 'c'].map((name) => fullState(`tls:${name}.example:443`));
  const listed = new ListedStates();
  listed.addPage(packPage(written.map(asDocument)));
  expect(listed.take('tls:a.example:443')).toStrictEqual(written[0]);
  expect(listed.take('tls:a.example:443')).toBeUndefined();
  expect(listed.has('tls:a.example:443')).toBe(false);
  expect([...listed.keys()]).toEqual(['tls:b.example:443', 'tls:c.example:443']);
  expect(listed.get('tls:c.example:443')).toStrictEqual(written[2]);
  expect(listed.get('tls:c.example:443')).toStrictEqual(written[2]);
  expect([...listed.values()]).toStrictEqual(written.slice(1));
});

test('a page kept as written reads back the same, and so does a listing of raw pages and deflated ones', () => {
  const written = ['a', 'b', 'c'].map((name) => ({ ...fullState(`tls:${name}.example:443`), owner: `équipe ${name} 🔐` }));
  const raw = packPage(written.map(asDocument), { deflate: false });
  expect(raw.deflated).toBe(false);
  const documentBytes = (state: ReturnType<typeof fullState>) => Buffer.byteLength((asDocument(state) as { document: string }).document);
  expect(raw.bytes.byteLength).toBe(written.reduce((total, state) => total + documentBytes(state), 0)); // each as written
  const later = ['d', 'e'].map((name) => fullState(`tls:${name}.example:443`));
  const listed = new ListedStates();
  listed.addPage(raw);
  listed.addPage(packPage(later.map(asDocument)));
  expect(listed.take('tls:a.example:443')).toStrictEqual(written[0]);
  expect([...listed.values()]).toStrictEqual([...written.slice(1), ...later]);
});

test('a listing keeps its first RAW_DOCUMENTS documents as written and deflates the pages after them', () => {
  const packer = new PagePacker();
  const page = (count: number) => Array.from({ length: count }, (_, i) => asDocument(fullState(`tls:n${i}.example:443`)));
  expect(packer.pack(page(RAW_DOCUMENTS - 1)).deflated).toBe(false);
  expect(packer.pack(page(2)).deflated).toBe(false); // the page that crosses the line is still kept as written
  expect(packer.pack(page(2)).deflated).toBe(true);
  expect(new PagePacker().pack(page(1)).deflated).toBe(false); // a listing of its own starts afresh
});

test('a page is several times smaller than its documents: alike states deflate against the first', () => {
  const documents = Array.from({ length: 50 }, (_, i) => asDocument(fullState(`tls:n${i}.example:443`)));
  const page = packPage(documents);
  const written = documents.reduce((total, stored) => total + ('document' in stored ? Buffer.byteLength(stored.document) : 0), 0);
  expect(page.bytes.byteLength * 4).toBeLessThan(written);
});

test('a listing read as objects is kept as it is', () => {
  const states = [fullState('tls:a.example:443'), unreachableState('tls:b.example:443')];
  const listed = ListedStates.of({ states, unreadable: [] });
  expect([...listed.values()]).toEqual(states);
  expect(listed.get('tls:b.example:443')).toBe(states[1]);
  expect([...listed.keys()]).toEqual(['tls:a.example:443', 'tls:b.example:443']);
});
