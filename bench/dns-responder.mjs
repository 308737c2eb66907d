// A DNS server for the benches, on 127.0.0.1 over UDP: answers A queries for the names it is given (each with its
// addresses, TTL 300), NXDOMAIN for any other name, and an empty answer for other types. The pool bench's names
// are small enough for UDP; the tests' server (test/support/dns-server.ts) also speaks TCP, rotates and fails.
import * as dgram from 'node:dgram';
import packet from 'dns-packet';

/** Starts answering `names` ({ name: [addresses] }); resolves to { server: '127.0.0.1:PORT', queries(), close() }. */
export async function startDnsResponder(names) {
  let queries = 0;
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, from) => {
    queries++;
    const query = packet.decode(message);
    const question = query.questions[0];
    const addresses = names[question.name.toLowerCase()];
    const answers = question.type === 'A' ? (addresses ?? []).map((data) => ({ type: 'A', name: question.name, ttl: 300, class: 'IN', data })) : [];
    const flags = packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (addresses ? 0 : 3); // 3: NXDOMAIN
    socket.send(packet.encode({ id: query.id, type: 'response', flags, questions: query.questions, answers }), from.port, from.address);
  });
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${socket.address().port}`, queries: () => queries, close: () => new Promise((resolve) => socket.close(resolve)) };
}
