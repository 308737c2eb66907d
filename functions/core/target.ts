import { domainToASCII } from 'node:url';
import { ipVersion as isIP } from './ip-address';

/** Protocols certwatch speaks: plain TLS, or a plaintext greeting upgraded with STARTTLS. */
export type Protocol = 'tls' | 'smtp' | 'imap' | 'pop3' | 'ftp' | 'postgres' | 'ldap' | 'xmpp';

/** STARTTLS schemes and their default ports. `https`/`tls` are direct TLS. */
export const SCHEME_DEFAULT_PORTS: Readonly<Record<string, { protocol: Protocol; port: number }>> = {
  https: { protocol: 'tls', port: 443 },
  tls: { protocol: 'tls', port: 443 },
  smtp: { protocol: 'smtp', port: 25 },
  submission: { protocol: 'smtp', port: 587 },
  imap: { protocol: 'imap', port: 143 },
  pop3: { protocol: 'pop3', port: 110 },
  ftp: { protocol: 'ftp', port: 21 },
  postgres: { protocol: 'postgres', port: 5432 },
  postgresql: { protocol: 'postgres', port: 5432 },
  ldap: { protocol: 'ldap', port: 389 },
  xmpp: { protocol: 'xmpp', port: 5222 },
};

export interface Target {
  /** Canonical form: `host:port` for TLS, `scheme://host:port` for STARTTLS; IPv6 in brackets. */
  readonly target: string;
  /** Host name (punycode, lower case) or IP address, without brackets. */
  readonly host: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** The name sent as SNI and verified; null when connecting to an IP address without `--servername`. */
  readonly servername: string | null;
}

export class InvalidTargetError extends Error {
  readonly code = 'INVALID_TARGET';
  readonly input: string;
  constructor(input: string, reason: string) {
    const redacted = redactTargetInput(input);
    super(`invalid target ${JSON.stringify(redacted)}: ${reason}`);
    this.input = redacted;
    this.name = 'InvalidTargetError';
  }
}

/**
 * `scheme://user:secret@host` -> `scheme://***@host` and `user:secret@host` -> `***@host`, anywhere in a text: a
 * password must not reach logs or output, whatever it holds (`/`, `@`, `:`, spaces, line breaks, control characters).
 * - After a scheme that starts a word (`https://`, `ldaps://`), everything up to the last `@` before the next such
 *   scheme goes, across spaces and line breaks: a URL followed later by an email address loses what lies between,
 *   which is the safe side.
 * - A quoted text holding a `:` before its last `@` (a target as an error message quotes it) is hidden up to that `@`.
 * - Any other word (split at spaces only, so a line break or a control character inside a password does not end it)
 *   loses all before its last `@` if a `:` comes before it, so that an email address in a certificate subject stays
 *   readable (`E=admin@example.com`).
 */
export function redactCredentials(text: string): string {
  return redactWords(redactQuoted(redactAfterSchemes(text)));
}

/** A scheme that starts a word: at the start, after white space, a quote or an opening bracket. */
const WORD_SCHEME = /(?<=^|[\s"'(<[{=,;])[a-z][a-z0-9+.-]*:\/\//gi;

function redactAfterSchemes(text: string): string {
  const starts = [...text.matchAll(WORD_SCHEME)].map((match) => ({ from: match.index, after: match.index + match[0].length }));
  if (starts.length === 0) return text;
  let redacted = text.slice(0, starts[0].from);
  starts.forEach((start, index) => {
    const span = text.slice(start.after, starts[index + 1]?.from ?? text.length);
    const at = span.lastIndexOf('@');
    redacted += text.slice(start.from, start.after) + (at < 0 ? span : `***${span.slice(at)}`);
  });
  return redacted;
}

function redactQuoted(text: string): string {
  return text.replace(/"([^"]*)"/g, (quoted, inner: string) => {
    const at = inner.lastIndexOf('@');
    if (at < 0 || !inner.slice(0, at).includes(':')) return quoted;
    const scheme = /^\s*([a-z][a-z0-9+.-]*:\/\/)/i.exec(inner);
    return `"${scheme ? scheme[1] : ''}***${inner.slice(at)}"`;
  });
}

function redactWords(text: string): string {
  return text.replace(/[^ ]*@[^ ]*/g, (word) => {
    const at = word.lastIndexOf('@');
    const scheme = /^(.*?\b[a-z][a-z0-9+.-]*:\/\/)/i.exec(word.slice(0, at));
    if (scheme) return `${scheme[1]}***${word.slice(at)}`;
    const lead = /^["'(<[{]*/.exec(word)![0];
    return word.slice(lead.length, at).includes(':') ? `${lead}***${word.slice(at)}` : word;
  });
}

/**
 * A target as the user wrote it, for an error message: all before its last `@` (after the scheme) hidden. Unlike
 * `redactCredentials` it knows the whole text is one target, so a password with spaces is hidden too.
 */
function redactTargetInput(input: string): string {
  const at = input.lastIndexOf('@');
  if (at < 0) return input;
  const scheme = /^\s*([a-z][a-z0-9+.-]*:\/\/)/i.exec(input);
  return `${scheme ? scheme[1] : ''}***${input.slice(at)}`;
}

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/**
 * A name whose last label is a number (decimal, or hex with 0x) is read as an IPv4 address by URL parsers and the
 * resolver, in forms that mislead: `010.0.0.1` is 8.0.0.1, `0x7f.1` is 127.0.0.1, `2130706433` is 127.0.0.1.
 */
const LAST_LABEL_NUMERIC = /(^|\.)(\d+|0x[0-9a-f]*)\.?$/i;

/**
 * Parses a target as users write it: `host`, `host:port`, `[v6]:port`, `https://host[:port][/path]`,
 * or a STARTTLS URL such as `smtp://mail.example.com` (port from the scheme).
 */
export function parseTarget(input: string, servernameOverride?: string): Target {
  const text = input.trim();
  if (text === '') throw new InvalidTargetError(input, 'empty');
  // Before anything else reads the authority: a password may hold any character, ports and paths included.
  if (text.includes('@')) throw new InvalidTargetError(input, 'credentials are not accepted (no "@" in a target): certwatch never logs in');
  if (/\s/.test(text)) throw new InvalidTargetError(input, 'contains white space');

  let scheme = 'tls';
  let rest = text;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (schemeMatch) {
    scheme = schemeMatch[1].toLowerCase();
    if (!(scheme in SCHEME_DEFAULT_PORTS)) {
      throw new InvalidTargetError(input, `unknown scheme "${scheme}" (use one of ${Object.keys(SCHEME_DEFAULT_PORTS).join(', ')})`);
    }
    rest = text.slice(schemeMatch[0].length);
    rest = rest.replace(/[/?#].*$/, '');
  } else if (text.includes('/')) {
    throw new InvalidTargetError(input, 'a path needs a scheme, e.g. https://host/path');
  }
  const { protocol, port: defaultPort } = SCHEME_DEFAULT_PORTS[scheme];

  let hostPart: string;
  let portPart: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new InvalidTargetError(input, 'missing "]" after IPv6 address');
    hostPart = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new InvalidTargetError(input, 'unexpected text after "]"');
    portPart = after === '' ? undefined : after.slice(1);
    if (isIP(hostPart) !== 6) throw new InvalidTargetError(input, `"${hostPart}" is not an IPv6 address`);
  } else if (isIP(rest) === 6) {
    hostPart = rest;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) {
      throw new InvalidTargetError(input, 'an IPv6 address needs brackets, e.g. [2001:db8::1]:443');
    }
    hostPart = colon >= 0 ? rest.slice(0, colon) : rest;
    portPart = colon >= 0 ? rest.slice(colon + 1) : undefined;
  }

  const port = portPart === undefined ? defaultPort : parsePort(input, portPart);
  const host = normaliseHost(input, hostPart);
  const servername = servernameOverride !== undefined ? normaliseServername(input, servernameOverride) : isIP(host) ? null : host;
  const hostForUrl = isIP(host) === 6 ? `[${host}]` : host;
  const canonical = protocol === 'tls' ? `${hostForUrl}:${port}` : `${scheme === 'postgresql' ? 'postgres' : scheme}://${hostForUrl}:${port}`;
  return { target: canonical, host, port, protocol, servername };
}

function parsePort(input: string, text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new InvalidTargetError(input, `port "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new InvalidTargetError(input, `port ${port} is out of range 1-65535`);
  return port;
}

function normaliseHost(input: string, text: string): string {
  if (text === '') throw new InvalidTargetError(input, 'no host name');
  if (isIP(text)) return text.toLowerCase();
  const notDottedQuad = () =>
    new InvalidTargetError(
      input,
      `"${text}" is neither a host name nor an IPv4 address in dotted-quad form (four numbers 0-255 without leading zeros, e.g. 10.0.0.1): octal, hex and shortened forms are refused because they connect somewhere else than they read`,
    );
  if (LAST_LABEL_NUMERIC.test(text)) throw notDottedQuad();
  const ascii = domainToASCII(text.toLowerCase().replace(/\.$/, ''));
  // Full-width digits and ideographic dots become ASCII here, and then an address: `０１０.0.0.1` is 8.0.0.1.
  if (isIP(ascii)) throw notDottedQuad();
  if (ascii === '') throw new InvalidTargetError(input, `"${text}" is not a valid host name`);
  if (ascii.length > 253 || !ascii.split('.').every((label) => HOST_LABEL.test(label))) {
    throw new InvalidTargetError(input, `"${text}" is not a valid host name`);
  }
  return ascii;
}

function normaliseServername(input: string, text: string): string {
  const name = text.trim();
  if (isIP(name)) throw new InvalidTargetError(input, `servername "${name}" must be a host name, not an IP address`);
  return normaliseHost(input, name);
}
