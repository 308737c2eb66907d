import * as z from 'zod';
import { InvalidDnsServerError, parseDnsServer } from './dns-server';

// The zod schema of a DNS server, apart from dns-server.ts: `check --dns-server` parses without loading zod.

/**
 * A DNS server in a validated document (the config, the on-demand event), kept as text (so that the config's JSON
 * Schema keeps its defaults): `parseDnsServer` it once valid.
 */
export const dnsServerSchema = z.string().superRefine((text, ctx) => {
  try {
    parseDnsServer(text);
  } catch (error) {
    if (!(error instanceof InvalidDnsServerError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});
