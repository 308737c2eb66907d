import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as packet from 'dns-packet';

// A real DNS server on loopback, over UDP and TCP on one port, answering A and AAAA queries from records the test
// sets (and changes), as an internal zone's server would: what `--dns-server` and `check.dnsServers` point at.

export interface NameRecords {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  /** Seconds; 300 unless given. */
  readonly ttl?: number;
  /** Answer over UDP with the truncation bit and no records, so that the client asks again over TCP. */
  readonly truncateUdp?: boolean;
  /** Answer every question with this error instead of records. */
  readonly rcode?: 'SERVFAIL' | 'REFUSED';
  /** Rotate the records by one on every answer: round-robin DNS, each answer in another order. */
  readonly rotate?: boolean;
}

export interface DnsQuery {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

export interface RunningDnsServer {
  readonly port: number;
  /** `127.0.0.1:PORT`, as `--dns-server` takes it. */
  readonly server: string;
  /** Every question asked so far. */
  readonly queries: DnsQuery[];
  /** Replaces what a name answers (undefined: the name does not exist). */
  set(name: string, records: NameRecords | undefined): void;
  close(): Promise<void>;
}

const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export async function startDnsServer(zone: Record<string, NameRecords>, host = '127.0.0.1'): Promise<RunningDnsServer> {
  const records = new Map(Object.entries(zone));
  const answered = new Map<string, number>();
  const queries: DnsQuery[] = [];

  const answer = (query: packet.Packet, transport: 'udp' | 'tcp'): Buffer => {
    const question = query.questions?.[0];
    const reply = (flags: number, answers: packet.Answer[] = []) =>
      packet.encode({ id: query.id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.AUTHORITATIVE_ANSWER | flags, questions: query.questions, answers });
    if (!question) return reply(RCODES.REFUSED);
    const name = question.name.toLowerCase();
    queries.push({ name, type: question.type, transport });
    const found = records.get(name);
    if (!found) return reply(RCODES.NXDOMAIN);
    if (found.rcode) return reply(RCODES[found.rcode]);
    if (found.truncateUdp && transport === 'udp') return reply(packet.TRUNCATED_RESPONSE);
    const data = question.type === 'A' ? (found.a ?? []) : question.type === 'AAAA' ? (found.aaaa ?? []) : [];
    const turn = found.rotate ? (answered.get(`${name}/${question.type}`) ?? 0) : 0;
    answered.set(`${name}/${question.type}`, turn + 1);
    const ordered = data.map((_, index) => data[(index + turn) % data.length]);
    return reply(
      RCODES.NOERROR,
      ordered.map((address) => ({ type: question.type as 'A' | 'AAAA', name: question.name, ttl: found.ttl ?? 300, class: 'IN', data: address })),
    );
  };

  // TCP first on a free port, then UDP on the same one (tried again on another port if that one is taken).
  for (let attempt = 0; ; attempt++) {
    const tcp = net.createServer((socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const length = buffered.readUInt16BE(0);
          const message = buffered.subarray(2, 2 + length);
          buffered = buffered.subarray(2 + length);
          const reply = answer(packet.decode(message), 'tcp');
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
        }
      });
    });
    await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(0, host, () => resolve()));
    const { port } = tcp.address() as net.AddressInfo;
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    udp.on('message', (message, from) => udp.send(answer(packet.decode(message), 'udp'), from.port, from.address));
    const bound = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, host, () => resolve(true));
    });
    if (!bound) {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (attempt < 10) continue;
      throw new Error('no port free for both UDP and TCP');
    }
    return {
      port,
      server: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`,
      queries,
      set: (name, next) => (next ? records.set(name, next) : records.delete(name)),
      close: () =>
        new Promise<void>((resolve) => {
          udp.close();
          tcp.close(() => resolve());
        }),
    };
  }
}
