// IP address recognition without node:net, so the core stays free of network modules.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 for an IPv4 address, 6 for an IPv6 address (no zone id), 0 otherwise; like net.isIP. */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  // Every IPv6 form has two colons at least (`::1`); `host:port` has one, and is answered without a URL parse.
  const firstColon = text.indexOf(':');
  if (firstColon < 0 || text.indexOf(':', firstColon + 1) < 0 || !/^[0-9a-fA-F:.]+$/.test(text)) return 0;
  try {
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}
