"use strict";
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __commonJS = (cb, mod) => function __require() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// functions/core/check-result.ts
function worstStatus(statuses) {
  let worst = "ok";
  for (const status of statuses) if (STATUS_RANK[status] > STATUS_RANK[worst]) worst = status;
  return worst;
}
function exitCodeFor(status) {
  switch (status) {
    case "ok":
      return 0;
    case "warning":
      return 1;
    case "critical":
    case "expired":
      return 2;
    case "error":
      return 3;
  }
}
var STATUS_RANK;
var init_check_result = __esm({
  "functions/core/check-result.ts"() {
    "use strict";
    STATUS_RANK = { ok: 0, warning: 1, critical: 2, expired: 3, error: 4 };
  }
});

// functions/core/check-settings.ts
var CHECK_DEFAULTS, CHECK_LIMITS;
var init_check_settings = __esm({
  "functions/core/check-settings.ts"() {
    "use strict";
    CHECK_DEFAULTS = {
      warningDays: 30,
      criticalDays: 7,
      timeoutMs: 1e4,
      concurrency: 16
    };
    CHECK_LIMITS = {
      days: { min: 0, max: 3650 },
      timeoutMs: { min: 1, max: 6e5 },
      concurrency: { min: 1, max: 1e3 }
    };
  }
});

// functions/core/certificate.ts
function parseCertificate(der) {
  const cert = new x509.X509Certificate(der);
  const { keyAlgorithm, keySize } = describeKey(cert);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: subjectAltNames(cert),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    serialNumber: cert.serialNumber.toUpperCase(),
    fingerprintSha256: (0, import_node_crypto.createHash)("sha256").update(der).digest("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:"),
    keyAlgorithm,
    keySize,
    signatureAlgorithm: describeSignature(cert),
    selfIssued: cert.subject === cert.issuer
  };
}
function subjectAltNames(cert) {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names.items.map((name) => name.type === "dns" ? name.value : `${name.type}:${name.value}`);
}
function describeKey(cert) {
  try {
    const algorithm = cert.publicKey.algorithm;
    if (algorithm.modulusLength) return { keyAlgorithm: "RSA", keySize: algorithm.modulusLength };
    if (algorithm.namedCurve) return { keyAlgorithm: "EC", keySize: CURVE_BITS[algorithm.namedCurve] ?? null };
    return { keyAlgorithm: algorithm.name, keySize: EDWARDS_BITS[algorithm.name] ?? null };
  } catch {
    return { keyAlgorithm: "unknown", keySize: null };
  }
}
function describeSignature(cert) {
  try {
    const algorithm = cert.signatureAlgorithm;
    const hash = algorithm.hash?.name ?? "";
    switch (algorithm.name) {
      case "RSASSA-PKCS1-v1_5":
        return `${hash.replace("-", "").toLowerCase()}WithRSAEncryption`;
      case "RSA-PSS":
        return `rsassaPss-${hash}`;
      case "ECDSA":
        return `ecdsa-with-${hash.replace("-", "")}`;
      default:
        return SIGNATURE_OIDS[algorithm.name] ?? algorithm.name;
    }
  } catch {
    return "unknown";
  }
}
function isWeakKey(cert) {
  if (cert.keySize === null) return false;
  if (cert.keyAlgorithm === "RSA") return cert.keySize < 2048;
  if (cert.keyAlgorithm === "EC") return cert.keySize < 256;
  return false;
}
function isWeakSignature(cert) {
  return /md5|md2|sha1|SHA-1/i.test(cert.signatureAlgorithm);
}
var import_reflect_metadata, import_node_crypto, x509, CURVE_BITS, EDWARDS_BITS, SIGNATURE_OIDS;
var init_certificate = __esm({
  "functions/core/certificate.ts"() {
    "use strict";
    import_reflect_metadata = require("reflect-metadata");
    import_node_crypto = require("node:crypto");
    x509 = __toESM(require("@peculiar/x509"));
    x509.cryptoProvider.set(import_node_crypto.webcrypto);
    CURVE_BITS = { "P-256": 256, "P-384": 384, "P-521": 521, "K-256": 256 };
    EDWARDS_BITS = { Ed25519: 256, Ed448: 456 };
    SIGNATURE_OIDS = {
      "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
      "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
      "1.2.840.10040.4.3": "dsa-with-SHA1"
    };
  }
});

// functions/core/duration.ts
function parseDuration(text2) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text2);
  if (!match) throw new Error(`"${text2}" is not a duration (use a number and a unit: 30m, 6h, 7d, 2w)`);
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (ms <= 0) throw new Error(`"${text2}" must be longer than zero`);
  return ms;
}
var MINUTE_MS, HOUR_MS, DAY_MS, UNIT_MS;
var init_duration = __esm({
  "functions/core/duration.ts"() {
    "use strict";
    MINUTE_MS = 6e4;
    HOUR_MS = 36e5;
    DAY_MS = 864e5;
    UNIT_MS = { s: 1e3, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };
  }
});

// functions/core/judge.ts
function daysRemaining(notAfter, now) {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}
function certificatesThatExpire(chain) {
  return chain.filter((cert, index) => index === 0 || !cert.selfIssued);
}
function earliestExpiring(chain) {
  const candidates = certificatesThatExpire(chain);
  if (candidates.length === 0) throw new Error("cannot judge an empty certificate chain");
  return candidates.reduce((earliest, cert) => Date.parse(cert.notAfter) < Date.parse(earliest.notAfter) ? cert : earliest);
}
function judge(observation, thresholds, now) {
  const { chain } = observation;
  const leaf = chain[0];
  const governing = earliestExpiring(chain);
  const notAfter = new Date(governing.notAfter);
  const remainingMs = notAfter.getTime() - now.getTime();
  const days = daysRemaining(notAfter, now);
  const which = governing === leaf ? "the certificate" : `intermediate "${governing.subject}"`;
  const findings = [];
  let expiryStatus = "ok";
  if (remainingMs < 0) {
    expiryStatus = "expired";
    findings.push({ code: "EXPIRED", severity: "critical", message: `${which} expired on ${governing.notAfter} (${-days} days ago)` });
  } else if (remainingMs < thresholds.criticalDays * DAY_MS) {
    expiryStatus = "critical";
  } else if (remainingMs < thresholds.warningDays * DAY_MS) {
    expiryStatus = "warning";
  }
  if (expiryStatus === "critical" || expiryStatus === "warning") {
    findings.push({
      code: "EXPIRES_SOON",
      severity: expiryStatus,
      message: `${which} expires on ${governing.notAfter}: ${days} days left (${expiryStatus} below ${expiryStatus === "critical" ? thresholds.criticalDays : thresholds.warningDays} days)`
    });
  }
  for (const cert of chain) {
    if (Date.parse(cert.notBefore) > now.getTime()) {
      findings.push({ code: "NOT_YET_VALID", severity: "critical", message: `"${cert.subject}" is not valid before ${cert.notBefore}` });
    }
  }
  if (observation.hostnameMismatch) {
    findings.push({ code: "HOSTNAME_MISMATCH", severity: "critical", message: observation.hostnameMismatch });
  }
  if (observation.chainProblem) {
    const detail2 = observation.chainProblemDetail ? ` (${observation.chainProblemDetail})` : "";
    findings.push({ code: observation.chainProblem, severity: "critical", message: `${CHAIN_PROBLEM_TEXT[observation.chainProblem]}${detail2}` });
  }
  chain.forEach((cert, index) => {
    const isRoot = index > 0 && cert.selfIssued;
    if (isRoot) return;
    if (isWeakKey(cert)) {
      findings.push({ code: "WEAK_KEY", severity: "warning", message: `"${cert.subject}" has a weak ${cert.keyAlgorithm} key of ${cert.keySize} bits` });
    }
    if (isWeakSignature(cert)) {
      findings.push({ code: "WEAK_SIGNATURE", severity: "warning", message: `"${cert.subject}" is signed with ${cert.signatureAlgorithm}` });
    }
  });
  return {
    status: statusOf(expiryStatus, findings),
    daysRemaining: days,
    notAfter: governing.notAfter,
    governing,
    trusted: observation.chainProblem === null,
    findings
  };
}
function statusOf(expiryStatus, findings) {
  if (expiryStatus === "expired") return "expired";
  if (expiryStatus === "critical" || findings.some((f) => f.severity === "critical")) return "critical";
  if (expiryStatus === "warning" || findings.length > 0) return "warning";
  return "ok";
}
var CHAIN_PROBLEM_TEXT;
var init_judge = __esm({
  "functions/core/judge.ts"() {
    "use strict";
    init_certificate();
    init_duration();
    CHAIN_PROBLEM_TEXT = {
      SELF_SIGNED: "the certificate is self-signed: clients will refuse it unless they pin it",
      UNTRUSTED_ROOT: "the chain ends at a root that is not trusted (add it with --ca-file if it is your private CA)",
      INCOMPLETE_CHAIN: "the server does not send the intermediate certificate that issued the leaf: configure the full chain",
      CHAIN_INVALID: "the chain does not verify"
    };
  }
});

// functions/core/ip-address.ts
function ipVersion(text2) {
  if (IPV4.test(text2)) return 4;
  const firstColon = text2.indexOf(":");
  if (firstColon < 0 || text2.indexOf(":", firstColon + 1) < 0 || !/^[0-9a-fA-F:.]+$/.test(text2)) return 0;
  try {
    new URL(`http://[${text2}]/`);
    return 6;
  } catch {
    return 0;
  }
}
var IPV4;
var init_ip_address = __esm({
  "functions/core/ip-address.ts"() {
    "use strict";
    IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  }
});

// functions/core/target.ts
function redactCredentials(text2) {
  return text2.replace(/\S*@\S*/g, (word) => {
    const at = word.lastIndexOf("@");
    const scheme = /^(.*?\b[a-z][a-z0-9+.-]*:\/\/)/i.exec(word.slice(0, at));
    if (scheme) return `${scheme[1]}***${word.slice(at)}`;
    const lead = /^["'(<[{]*/.exec(word)[0];
    return word.slice(lead.length, at).includes(":") ? `${lead}***${word.slice(at)}` : word;
  });
}
function redactTargetInput(input) {
  const at = input.lastIndexOf("@");
  if (at < 0) return input;
  const scheme = /^\s*([a-z][a-z0-9+.-]*:\/\/)/i.exec(input);
  return `${scheme ? scheme[1] : ""}***${input.slice(at)}`;
}
function parseTarget(input, servernameOverride) {
  const text2 = input.trim();
  if (text2 === "") throw new InvalidTargetError(input, "empty");
  if (text2.includes("@")) throw new InvalidTargetError(input, 'credentials are not accepted (no "@" in a target): certwatch never logs in');
  if (/\s/.test(text2)) throw new InvalidTargetError(input, "contains white space");
  let scheme = "tls";
  let rest = text2;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text2);
  if (schemeMatch) {
    scheme = schemeMatch[1].toLowerCase();
    if (!(scheme in SCHEME_DEFAULT_PORTS)) {
      throw new InvalidTargetError(input, `unknown scheme "${scheme}" (use one of ${Object.keys(SCHEME_DEFAULT_PORTS).join(", ")})`);
    }
    rest = text2.slice(schemeMatch[0].length);
    rest = rest.replace(/[/?#].*$/, "");
  } else if (text2.includes("/")) {
    throw new InvalidTargetError(input, "a path needs a scheme, e.g. https://host/path");
  }
  const { protocol, port: defaultPort } = SCHEME_DEFAULT_PORTS[scheme];
  let hostPart;
  let portPart;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) throw new InvalidTargetError(input, 'missing "]" after IPv6 address');
    hostPart = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw new InvalidTargetError(input, 'unexpected text after "]"');
    portPart = after === "" ? void 0 : after.slice(1);
    if (ipVersion(hostPart) !== 6) throw new InvalidTargetError(input, `"${hostPart}" is not an IPv6 address`);
  } else if (ipVersion(rest) === 6) {
    hostPart = rest;
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon >= 0 && rest.indexOf(":") !== colon) {
      throw new InvalidTargetError(input, "an IPv6 address needs brackets, e.g. [2001:db8::1]:443");
    }
    hostPart = colon >= 0 ? rest.slice(0, colon) : rest;
    portPart = colon >= 0 ? rest.slice(colon + 1) : void 0;
  }
  const port = portPart === void 0 ? defaultPort : parsePort(input, portPart);
  const host = normaliseHost(input, hostPart);
  const servername = servernameOverride !== void 0 ? normaliseServername(input, servernameOverride) : ipVersion(host) ? null : host;
  const hostForUrl = ipVersion(host) === 6 ? `[${host}]` : host;
  const canonical = protocol === "tls" ? `${hostForUrl}:${port}` : `${scheme === "postgresql" ? "postgres" : scheme}://${hostForUrl}:${port}`;
  return { target: canonical, host, port, protocol, servername };
}
function parsePort(input, text2) {
  if (!/^\d{1,5}$/.test(text2)) throw new InvalidTargetError(input, `port "${text2}" is not a number`);
  const port = Number(text2);
  if (port < 1 || port > 65535) throw new InvalidTargetError(input, `port ${port} is out of range 1-65535`);
  return port;
}
function normaliseHost(input, text2) {
  if (text2 === "") throw new InvalidTargetError(input, "no host name");
  if (ipVersion(text2)) return text2.toLowerCase();
  const notDottedQuad = () => new InvalidTargetError(
    input,
    `"${text2}" is neither a host name nor an IPv4 address in dotted-quad form (four numbers 0-255 without leading zeros, e.g. 10.0.0.1): octal, hex and shortened forms are refused because they connect somewhere else than they read`
  );
  if (LAST_LABEL_NUMERIC.test(text2)) throw notDottedQuad();
  const ascii = (0, import_node_url.domainToASCII)(text2.toLowerCase().replace(/\.$/, ""));
  if (ipVersion(ascii)) throw notDottedQuad();
  if (ascii === "") throw new InvalidTargetError(input, `"${text2}" is not a valid host name`);
  if (ascii.length > 253 || !ascii.split(".").every((label) => HOST_LABEL.test(label))) {
    throw new InvalidTargetError(input, `"${text2}" is not a valid host name`);
  }
  return ascii;
}
function normaliseServername(input, text2) {
  const name = text2.trim();
  if (ipVersion(name)) throw new InvalidTargetError(input, `servername "${name}" must be a host name, not an IP address`);
  return normaliseHost(input, name);
}
var import_node_url, SCHEME_DEFAULT_PORTS, InvalidTargetError, HOST_LABEL, LAST_LABEL_NUMERIC;
var init_target = __esm({
  "functions/core/target.ts"() {
    "use strict";
    import_node_url = require("node:url");
    init_ip_address();
    SCHEME_DEFAULT_PORTS = {
      https: { protocol: "tls", port: 443 },
      tls: { protocol: "tls", port: 443 },
      smtp: { protocol: "smtp", port: 25 },
      submission: { protocol: "smtp", port: 587 },
      imap: { protocol: "imap", port: 143 },
      pop3: { protocol: "pop3", port: 110 },
      ftp: { protocol: "ftp", port: 21 },
      postgres: { protocol: "postgres", port: 5432 },
      postgresql: { protocol: "postgres", port: 5432 },
      ldap: { protocol: "ldap", port: 389 },
      xmpp: { protocol: "xmpp", port: 5222 }
    };
    InvalidTargetError = class extends Error {
      code = "INVALID_TARGET";
      input;
      constructor(input, reason) {
        const redacted = redactTargetInput(input);
        super(`invalid target ${JSON.stringify(redacted)}: ${reason}`);
        this.input = redacted;
        this.name = "InvalidTargetError";
      }
    };
    HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
    LAST_LABEL_NUMERIC = /(^|\.)(\d+|0x[0-9a-f]*)\.?$/i;
  }
});

// functions/core/ports.ts
var ProbeError, VersionConflictError, UnreadableStateError, EMPTY_LEDGER;
var init_ports = __esm({
  "functions/core/ports.ts"() {
    "use strict";
    ProbeError = class extends Error {
      constructor(code, message) {
        super(message);
        this.code = code;
        this.name = "ProbeError";
      }
      code;
    };
    VersionConflictError = class extends Error {
      constructor(certificateId) {
        super(`state of ${certificateId} was changed by another run`);
        this.certificateId = certificateId;
        this.name = "VersionConflictError";
      }
      certificateId;
    };
    UnreadableStateError = class extends Error {
      constructor(certificateId, message, version) {
        super(message);
        this.certificateId = certificateId;
        this.version = version;
        this.name = "UnreadableStateError";
      }
      certificateId;
      version;
    };
    EMPTY_LEDGER = { lastRunAt: null, digestSentFor: null, digestClaim: null, version: 0 };
  }
});

// functions/use-cases/check-targets.ts
async function checkTargets(requests, settings, deps) {
  const results = new Array(requests.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length && !deps.signal?.aborted) {
      const index = next++;
      results[index] = await checkOne(requests[index], settings, deps);
      deps.onResult?.(index, results[index]);
      deps.onProgress?.(++done, requests.length);
    }
  };
  const workers = Math.max(1, Math.min(settings.concurrency, requests.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (next < requests.length) deps.signal?.throwIfAborted();
  return results;
}
async function checkOne(request, settings, deps) {
  const started = performance.now();
  let target;
  try {
    target = parseTarget(request.target, request.servername ?? settings.servername);
  } catch (error) {
    if (error instanceof InvalidTargetError) return failed(error.input, null, { code: error.code, message: error.message }, 0);
    throw error;
  }
  try {
    const caFiles = [...settings.caFiles ?? [], ...request.caFiles ?? []];
    const observation = await deps.probe.probe(target, { timeoutMs: settings.timeoutMs, caFiles });
    const judgement = judge(observation, settings, deps.now());
    return {
      target: target.target,
      host: target.host,
      port: target.port,
      servername: target.servername,
      protocol: target.protocol,
      elapsedMs: elapsedSince(started),
      status: judgement.status,
      daysRemaining: judgement.daysRemaining,
      notAfter: judgement.notAfter,
      leaf: observation.chain[0],
      chain: observation.chain,
      trusted: judgement.trusted,
      findings: judgement.findings,
      error: null
    };
  } catch (error) {
    const checkError = error instanceof ProbeError ? { code: error.code, message: error.message } : { code: "PROTOCOL_ERROR", message: `${target.target}: ${error?.message ?? String(error)}` };
    return failed(target.target, target, checkError, elapsedSince(started));
  }
}
function failed(input, target, error, elapsedMs) {
  return {
    target: target?.target ?? input,
    host: target?.host ?? null,
    port: target?.port ?? null,
    servername: target?.servername ?? null,
    protocol: target?.protocol ?? null,
    elapsedMs,
    status: "error",
    daysRemaining: null,
    notAfter: null,
    leaf: null,
    chain: [],
    trusted: false,
    findings: [],
    error
  };
}
function elapsedSince(started) {
  return Math.round(performance.now() - started);
}
var init_check_targets = __esm({
  "functions/use-cases/check-targets.ts"() {
    "use strict";
    init_judge();
    init_target();
    init_ports();
  }
});

// functions/probes/probe-error.ts
function toProbeError(error, where) {
  if (error instanceof ProbeError) return error;
  const err = error;
  const code = err?.code ?? "";
  const message = err?.message ?? String(error);
  if (SOCKET_ERROR_CODES[code]) return new ProbeError(SOCKET_ERROR_CODES[code], `${where}: ${describe(code, message)}`);
  if (/^E?AI_|^EAI|^ESERVFAIL|^ENODATA|^ECONNREFUSED_DNS/.test(code) || err?.syscall === "getaddrinfo") {
    return new ProbeError(`DNS_${code.replace(/^E/, "") || "FAILED"}`, `${where}: name lookup failed (${code})`);
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|HTTP_REQUEST|UNKNOWN_PROTOCOL/.test(code + message)) {
    return new ProbeError("PROTOCOL_ERROR", `${where}: the server did not answer with TLS (${err.reason ?? code})`);
  }
  if (code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS") || /alert|handshake|ssl/i.test(message)) {
    return new ProbeError("TLS_HANDSHAKE_FAILED", `${where}: TLS handshake failed (${err.reason ?? message})`);
  }
  return new ProbeError("PROTOCOL_ERROR", `${where}: ${message}`);
}
function describe(code, message) {
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "EPIPE":
      return "connection reset by the server";
    case "ENOTFOUND":
      return "host name not found";
    default:
      return message;
  }
}
var SOCKET_ERROR_CODES;
var init_probe_error = __esm({
  "functions/probes/probe-error.ts"() {
    "use strict";
    init_ports();
    SOCKET_ERROR_CODES = {
      ECONNREFUSED: "CONNECTION_REFUSED",
      ECONNRESET: "CONNECTION_RESET",
      EPIPE: "CONNECTION_RESET",
      ETIMEDOUT: "TIMEOUT",
      ENOTFOUND: "DNS_NOT_FOUND",
      EHOSTUNREACH: "CONNECTION_REFUSED",
      ENETUNREACH: "CONNECTION_REFUSED",
      EADDRNOTAVAIL: "CONNECTION_REFUSED"
    };
  }
});

// functions/probes/starttls/starttls-errors.ts
function starttlsFailed(target, detail2) {
  return new ProbeError("STARTTLS_FAILED", `${target.target}: ${detail2}`);
}
function protocolError(target, detail2) {
  return new ProbeError("PROTOCOL_ERROR", `${target.target}: ${detail2}`);
}
function quoteReply(text2) {
  const printable = text2.trim().replace(/[^\x20-\x7e]/g, "?");
  const shortened = printable.length > MAX_QUOTED_CHARS ? `${printable.slice(0, MAX_QUOTED_CHARS)}...` : printable;
  return JSON.stringify(shortened);
}
var MAX_QUOTED_CHARS;
var init_starttls_errors = __esm({
  "functions/probes/starttls/starttls-errors.ts"() {
    "use strict";
    init_ports();
    MAX_QUOTED_CHARS = 100;
  }
});

// functions/probes/starttls/numeric-reply.ts
async function readNumericReply(reader, context) {
  const firstLine = await reader.readLine();
  const first = parseReplyLine(firstLine);
  if (!first) throw notAReply(context, firstLine);
  const rawLines = [firstLine];
  const lines2 = [first.text];
  for (let last = first; last.continues; ) {
    const line = await reader.readLine();
    rawLines.push(line);
    const parsed = parseReplyLine(line);
    if (parsed && parsed.code === first.code) {
      lines2.push(parsed.text);
      last = parsed;
    } else if (context.protocolName === "FTP") {
      lines2.push(line);
    } else {
      throw notAReply(context, line);
    }
  }
  return { code: first.code, lines: lines2, text: rawLines.join(" ") };
}
function parseReplyLine(line) {
  const match = REPLY_LINE.exec(line);
  if (!match) return null;
  return { code: Number(match[1]), continues: match[2] === "-", text: match[3] ?? "" };
}
function notAReply(context, line) {
  return protocolError(context.target, `expected an ${context.protocolName} reply ${context.step}, got ${quoteReply(line)}`);
}
var REPLY_LINE;
var init_numeric_reply = __esm({
  "functions/probes/starttls/numeric-reply.ts"() {
    "use strict";
    init_starttls_errors();
    REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/;
  }
});

// functions/probes/starttls/reply-reader.ts
async function converse(socket, target, conversation) {
  const reader = new ReplyReader(socket, target);
  try {
    await conversation(reader);
    reader.handOver();
  } catch (error) {
    reader.abandon();
    throw error;
  }
}
var MAX_PLAINTEXT_BYTES, ReplyReader;
var init_reply_reader = __esm({
  "functions/probes/starttls/reply-reader.ts"() {
    "use strict";
    init_ports();
    init_probe_error();
    init_starttls_errors();
    MAX_PLAINTEXT_BYTES = 64 * 1024;
    ReplyReader = class {
      constructor(socket, target) {
        this.socket = socket;
        this.target = target;
        socket.on("data", this.onData);
        socket.on("end", this.onClosed);
        socket.on("close", this.onClosed);
        socket.on("error", this.onError);
        if (socket.destroyed || socket.readableEnded) this.onClosed();
      }
      socket;
      target;
      buffered = Buffer.alloc(0);
      receivedBytes = 0;
      failure = null;
      wakeReader = null;
      write(data) {
        this.socket.write(data);
      }
      /** The next line, without its line ending (CRLF or LF). */
      async readLine() {
        const line = await this.readUntil((buffered) => {
          const newline = buffered.indexOf(10);
          return newline < 0 ? null : newline + 1;
        });
        return line.toString("latin1").replace(/\r?\n$/, "");
      }
      /** Exactly `count` bytes, leaving anything after them unread. */
      readBytes(count) {
        return this.readUntil((buffered) => buffered.length >= count ? count : null);
      }
      /** Text up to the end `findEnd` reports (an index into the text, or null to wait); it may throw on text it rejects. */
      async readText(findEnd) {
        const text2 = await this.readUntil((buffered) => findEnd(buffered.toString("latin1")));
        return text2.toString("latin1");
      }
      /** Stops listening so TLS can take the socket over; anything unread would be taken as TLS, so it is refused. */
      handOver() {
        this.detach();
        if (this.buffered.length > 0) {
          throw protocolError(this.target, `the server sent ${this.buffered.length} unexpected bytes before the TLS handshake`);
        }
      }
      /** Stops listening after a failed negotiation. */
      abandon() {
        this.detach();
        this.socket.on("error", () => void 0);
      }
      async readUntil(findEnd) {
        for (; ; ) {
          const end = findEnd(this.buffered);
          if (end !== null) {
            const reply = this.buffered.subarray(0, end);
            this.buffered = this.buffered.subarray(end);
            return reply;
          }
          if (this.failure) throw this.failure;
          await new Promise((resolve3) => this.wakeReader = resolve3);
        }
      }
      detach() {
        this.socket.off("data", this.onData);
        this.socket.off("end", this.onClosed);
        this.socket.off("close", this.onClosed);
        this.socket.off("error", this.onError);
      }
      onData = (chunk) => {
        this.receivedBytes += chunk.length;
        if (this.receivedBytes > MAX_PLAINTEXT_BYTES) {
          this.fail(protocolError(this.target, `the server sent more than ${MAX_PLAINTEXT_BYTES} bytes without completing the STARTTLS exchange`));
          return;
        }
        this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
        this.wake();
      };
      onClosed = () => {
        this.fail(new ProbeError("CONNECTION_RESET", `${this.target.target}: the server closed the connection during the STARTTLS exchange`));
      };
      onError = (error) => {
        this.fail(toProbeError(error, this.target.target));
      };
      fail(error) {
        this.failure ??= error;
        this.wake();
      }
      wake() {
        const wakeReader = this.wakeReader;
        this.wakeReader = null;
        wakeReader?.();
      }
    };
  }
});

// functions/probes/starttls/ftp.ts
function negotiateFtp(socket, target) {
  return converse(socket, target, async (reader) => {
    await expectReply(reader, target, "as the greeting", 220);
    reader.write("AUTH TLS\r\n");
    await expectReply(reader, target, "to AUTH TLS", 234);
  });
}
async function expectReply(reader, target, step, expectedCode) {
  let reply = await readNumericReply(reader, { target, protocolName: "FTP", step });
  while (reply.code < 200) reply = await readNumericReply(reader, { target, protocolName: "FTP", step });
  if (reply.code !== expectedCode) throw starttlsFailed(target, `server replied ${quoteReply(reply.text)} ${step}`);
}
var init_ftp = __esm({
  "functions/probes/starttls/ftp.ts"() {
    "use strict";
    init_numeric_reply();
    init_reply_reader();
    init_starttls_errors();
  }
});

// functions/probes/starttls/imap.ts
function negotiateImap(socket, target) {
  return converse(socket, target, async (reader) => {
    await expectGreeting(reader, target);
    reader.write("a1 STARTTLS\r\n");
    await expectTaggedOk(reader, target);
  });
}
async function expectGreeting(reader, target) {
  const line = await reader.readLine();
  if (/^\* OK\b/i.test(line)) return;
  if (/^\* (BYE|PREAUTH)\b/i.test(line)) throw starttlsFailed(target, `server greeted with ${quoteReply(line)}`);
  throw protocolError(target, `expected an IMAP greeting, got ${quoteReply(line)}`);
}
async function expectTaggedOk(reader, target) {
  for (; ; ) {
    const line = await reader.readLine();
    if (TAGGED_OK.test(line)) return;
    if (TAGGED_REFUSAL.test(line) || UNTAGGED_BYE.test(line)) {
      throw starttlsFailed(target, `server replied ${quoteReply(line)} to STARTTLS`);
    }
    if (!line.startsWith("* ")) throw protocolError(target, `expected an IMAP reply to STARTTLS, got ${quoteReply(line)}`);
  }
}
var TAGGED_OK, TAGGED_REFUSAL, UNTAGGED_BYE;
var init_imap = __esm({
  "functions/probes/starttls/imap.ts"() {
    "use strict";
    init_reply_reader();
    init_starttls_errors();
    TAGGED_OK = /^a1 OK\b/i;
    TAGGED_REFUSAL = /^a1 (NO|BAD)\b/i;
    UNTAGGED_BYE = /^\* BYE\b/i;
  }
});

// functions/probes/starttls/ldap.ts
function negotiateLdap(socket, target) {
  return converse(socket, target, async (reader) => {
    reader.write(startTlsRequest());
    const message = await readLdapMessage(reader, target);
    const result = startTlsResult(message);
    if (!result) throw malformed(target);
    if (result.code !== 0) {
      const diagnostic = result.diagnosticMessage ? ` (${quoteReply(result.diagnosticMessage)})` : "";
      throw starttlsFailed(target, `server answered StartTLS with LDAP result code ${result.code}${diagnostic}`);
    }
  });
}
function startTlsRequest() {
  const extendedRequest = encode(TAG.EXTENDED_REQUEST, encode(TAG.REQUEST_NAME, Buffer.from(START_TLS_OID, "ascii")));
  return encode(TAG.SEQUENCE, Buffer.concat([encode(TAG.INTEGER, Buffer.from([MESSAGE_ID])), extendedRequest]));
}
function encode(tag, content) {
  return Buffer.concat([Buffer.from([tag, content.length]), content]);
}
async function readLdapMessage(reader, target) {
  const [tag, firstLengthByte] = await reader.readBytes(2);
  if (tag !== TAG.SEQUENCE) throw protocolError(target, `expected an LDAP message in answer to StartTLS, got byte 0x${tag.toString(16).padStart(2, "0")}`);
  const lengthOctets = firstLengthByte > 128 ? firstLengthByte - 128 : 0;
  if (lengthOctets > MAX_LENGTH_OCTETS) throw malformed(target);
  const header = Buffer.concat([Buffer.from([tag, firstLengthByte]), await reader.readBytes(lengthOctets)]);
  const length = decodeLength(header, 1);
  if (!length || length.length > MAX_PLAINTEXT_BYTES) throw malformed(target);
  return reader.readBytes(length.length);
}
function startTlsResult(message) {
  const [messageId, response] = decodeElements(message) ?? [];
  if (messageId?.tag !== TAG.INTEGER || response?.tag !== TAG.EXTENDED_RESPONSE) return null;
  const id = decodeInteger(messageId.content);
  if (id !== MESSAGE_ID && id !== UNSOLICITED_MESSAGE_ID) return null;
  const [resultCode, matchedDn, diagnosticMessage] = decodeElements(response.content) ?? [];
  if (resultCode?.tag !== TAG.ENUMERATED || matchedDn?.tag !== TAG.OCTET_STRING || diagnosticMessage?.tag !== TAG.OCTET_STRING) return null;
  const code = decodeInteger(resultCode.content);
  if (code === null) return null;
  return { code, diagnosticMessage: diagnosticMessage.content.toString("utf8") };
}
function decodeElements(content) {
  const elements = [];
  for (let offset = 0; offset < content.length; ) {
    const length = decodeLength(content, offset + 1);
    if (!length || length.contentStart + length.length > content.length) return null;
    elements.push({ tag: content[offset], content: content.subarray(length.contentStart, length.contentStart + length.length) });
    offset = length.contentStart + length.length;
  }
  return elements;
}
function decodeLength(bytes, offset) {
  const first = bytes[offset];
  if (first === void 0) return null;
  if (first < 128) return { length: first, contentStart: offset + 1 };
  const lengthOctets = first - 128;
  if (lengthOctets === 0 || lengthOctets > MAX_LENGTH_OCTETS || offset + 1 + lengthOctets > bytes.length) return null;
  return { length: bytes.readUIntBE(offset + 1, lengthOctets), contentStart: offset + 1 + lengthOctets };
}
function decodeInteger(content) {
  return content.length >= 1 && content.length <= 4 ? content.readIntBE(0, content.length) : null;
}
function malformed(target) {
  return protocolError(target, "malformed LDAP response to StartTLS");
}
var START_TLS_OID, MESSAGE_ID, UNSOLICITED_MESSAGE_ID, MAX_LENGTH_OCTETS, TAG;
var init_ldap = __esm({
  "functions/probes/starttls/ldap.ts"() {
    "use strict";
    init_reply_reader();
    init_starttls_errors();
    START_TLS_OID = "1.3.6.1.4.1.1466.20037";
    MESSAGE_ID = 1;
    UNSOLICITED_MESSAGE_ID = 0;
    MAX_LENGTH_OCTETS = 3;
    TAG = {
      SEQUENCE: 48,
      INTEGER: 2,
      ENUMERATED: 10,
      OCTET_STRING: 4,
      EXTENDED_REQUEST: 119,
      // [APPLICATION 23], constructed
      EXTENDED_RESPONSE: 120,
      // [APPLICATION 24], constructed
      REQUEST_NAME: 128
      // [0], primitive
    };
  }
});

// functions/probes/starttls/pop3.ts
function negotiatePop3(socket, target) {
  return converse(socket, target, async (reader) => {
    await expectOk(reader, target, "as the greeting");
    reader.write("STLS\r\n");
    await expectOk(reader, target, "to STLS");
  });
}
async function expectOk(reader, target, step) {
  const line = await reader.readLine();
  if (/^\+OK\b/.test(line)) return;
  if (/^-ERR\b/.test(line)) throw starttlsFailed(target, `server replied ${quoteReply(line)} ${step}`);
  throw protocolError(target, `expected a POP3 reply ${step}, got ${quoteReply(line)}`);
}
var init_pop3 = __esm({
  "functions/probes/starttls/pop3.ts"() {
    "use strict";
    init_reply_reader();
    init_starttls_errors();
  }
});

// functions/probes/starttls/postgres.ts
function negotiatePostgres(socket, target) {
  return converse(socket, target, async (reader) => {
    reader.write(sslRequest());
    const [answer] = await reader.readBytes(1);
    if (answer === WILLING) return;
    if (answer === UNWILLING) throw starttlsFailed(target, "server does not accept SSL");
    throw protocolError(target, `expected "S" or "N" in answer to SSLRequest, got byte 0x${answer.toString(16).padStart(2, "0")}`);
  });
}
function sslRequest() {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(SSL_REQUEST_CODE, 4);
  return message;
}
var SSL_REQUEST_CODE, WILLING, UNWILLING;
var init_postgres = __esm({
  "functions/probes/starttls/postgres.ts"() {
    "use strict";
    init_reply_reader();
    init_starttls_errors();
    SSL_REQUEST_CODE = 80877103;
    WILLING = "S".charCodeAt(0);
    UNWILLING = "N".charCodeAt(0);
  }
});

// functions/probes/starttls/smtp.ts
function negotiateSmtp(socket, target) {
  return converse(socket, target, async (reader) => {
    await expectReply2(reader, target, "as the greeting", 220);
    reader.write(`EHLO ${addressLiteral(socket.localAddress)}\r
`);
    const capabilities = await expectReply2(reader, target, "to EHLO", 250);
    if (!offersStartTls(capabilities)) throw starttlsFailed(target, "the server does not offer STARTTLS");
    reader.write("STARTTLS\r\n");
    await expectReply2(reader, target, "to STARTTLS", 220);
  });
}
async function expectReply2(reader, target, step, expectedCode) {
  const reply = await readNumericReply(reader, { target, protocolName: "SMTP", step });
  if (reply.code === expectedCode) return reply;
  if (reply.code >= 400) throw starttlsFailed(target, `server replied ${quoteReply(reply.text)} ${step}`);
  throw protocolError(target, `expected ${expectedCode} ${step}, server replied ${quoteReply(reply.text)}`);
}
function offersStartTls(ehloReply) {
  return ehloReply.lines.slice(1).some((line) => /^STARTTLS(\s|$)/i.test(line));
}
function addressLiteral(address) {
  if (!address) return "[127.0.0.1]";
  const plain = address.replace(/^::ffff:(?=\d+\.)/, "");
  return plain.includes(":") ? `[IPv6:${plain}]` : `[${plain}]`;
}
var init_smtp = __esm({
  "functions/probes/starttls/smtp.ts"() {
    "use strict";
    init_numeric_reply();
    init_reply_reader();
    init_starttls_errors();
  }
});

// functions/probes/starttls/xmpp.ts
function negotiateXmpp(socket, target) {
  return converse(socket, target, async (reader) => {
    reader.write(streamHeader(target.servername ?? target.host));
    const features = await reader.readText((text2) => endOf(END_OF_FEATURES, text2, target));
    const streamError = STREAM_ERROR_CONDITION.exec(features);
    if (streamError) throw starttlsFailed(target, `server ended the stream with error "${streamError[1]}"`);
    if (!STARTTLS_FEATURE.test(features)) throw starttlsFailed(target, "the server does not offer STARTTLS");
    reader.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    const answer = await reader.readText((text2) => endOf(STARTTLS_ANSWER, text2, target));
    if (STARTTLS_ANSWER.exec(answer)?.[1] !== "proceed") throw starttlsFailed(target, "server answered <failure/> to STARTTLS");
  });
}
function streamHeader(domain) {
  return `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
}
function endOf(marker, text2, target) {
  const start = text2.trimStart();
  if (start !== "" && !start.startsWith("<")) throw protocolError(target, `expected an XMPP stream, got ${quoteReply(start)}`);
  const match = marker.exec(text2);
  return match ? match.index + match[0].length : null;
}
var END_OF_FEATURES, STARTTLS_FEATURE, STREAM_ERROR_CONDITION, STARTTLS_ANSWER;
var init_xmpp = __esm({
  "functions/probes/starttls/xmpp.ts"() {
    "use strict";
    init_reply_reader();
    init_starttls_errors();
    END_OF_FEATURES = /<\/stream:features>|<stream:features\s*\/>|<\/stream:error>|<\/stream:stream>/;
    STARTTLS_FEATURE = /<starttls[\s/>]/;
    STREAM_ERROR_CONDITION = /<stream:error>\s*<([a-z-]+)/;
    STARTTLS_ANSWER = /<(proceed|failure)\b[^>]*>/;
  }
});

// functions/probes/starttls/index.ts
var STARTTLS_NEGOTIATORS;
var init_starttls = __esm({
  "functions/probes/starttls/index.ts"() {
    "use strict";
    init_ftp();
    init_imap();
    init_ldap();
    init_pop3();
    init_postgres();
    init_smtp();
    init_xmpp();
    STARTTLS_NEGOTIATORS = {
      smtp: negotiateSmtp,
      imap: negotiateImap,
      pop3: negotiatePop3,
      ftp: negotiateFtp,
      postgres: negotiatePostgres,
      ldap: negotiateLdap,
      xmpp: negotiateXmpp
    };
  }
});

// functions/probes/trust-store.ts
function pemCertificates(text2) {
  return text2.match(PEM_CERTIFICATE) ?? [];
}
function environmentPems() {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return pemCertificates((0, import_node_fs.readFileSync)(file, "utf8"));
  } catch {
    return [];
  }
}
function issuedBy(cert, issuer) {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
function selfSigned(cert) {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}
var import_node_fs, import_node_crypto2, tls, PEM_CERTIFICATE, TrustStore;
var init_trust_store = __esm({
  "functions/probes/trust-store.ts"() {
    "use strict";
    import_node_fs = require("node:fs");
    import_node_crypto2 = require("node:crypto");
    tls = __toESM(require("node:tls"));
    init_ports();
    PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
    TrustStore = class _TrustStore {
      secureContext;
      extraPems;
      anchorsBySubject;
      anchorFingerprints;
      constructor(extraPems) {
        this.extraPems = extraPems;
        this.secureContext = tls.createSecureContext(extraPems.length > 0 ? { ca: [...tls.rootCertificates, ...environmentPems(), ...extraPems] } : {});
      }
      static defaults() {
        return new _TrustStore([]);
      }
      /** Reads PEM CA files; throws a ProbeError naming the file when it is unreadable or holds no certificate. */
      static withCaFiles(caFiles) {
        const pems = [];
        for (const file of caFiles) {
          let text2;
          try {
            text2 = (0, import_node_fs.readFileSync)(file, "utf8");
          } catch (error) {
            throw new ProbeError("CA_FILE_UNREADABLE", `cannot read CA file ${file}: ${error.code ?? String(error)}`);
          }
          const blocks = pemCertificates(text2);
          for (const block of blocks) {
            try {
              new import_node_crypto2.X509Certificate(block);
            } catch {
              throw new ProbeError("CA_FILE_UNREADABLE", `CA file ${file} holds a PEM block that is not a certificate`);
            }
          }
          if (blocks.length === 0) throw new ProbeError("CA_FILE_UNREADABLE", `CA file ${file} holds no PEM certificate`);
          pems.push(...blocks);
        }
        return new _TrustStore(pems);
      }
      /**
       * Walks the served chain to a trust anchor, ignoring validity dates, so an expired certificate does not
       * hide an untrusted root (OpenSSL reports only its last verification error, and time errors come last).
       */
      chainProblem(served) {
        const anchors = this.anchors();
        const used = /* @__PURE__ */ new Set([0]);
        let current = served[0];
        for (let depth = 0; depth < 16; depth++) {
          if (this.anchorFingerprints.has(current.fingerprint256)) return null;
          const issuedByAnchor = (anchors.get(current.issuer) ?? []).some((anchor) => issuedBy(current, anchor));
          if (issuedByAnchor) return null;
          if (selfSigned(current)) return depth === 0 ? "SELF_SIGNED" : "UNTRUSTED_ROOT";
          const next = served.findIndex((candidate, index) => !used.has(index) && issuedBy(current, candidate));
          if (next < 0) return depth === 0 ? "INCOMPLETE_CHAIN" : "UNTRUSTED_ROOT";
          used.add(next);
          current = served[next];
        }
        return "CHAIN_INVALID";
      }
      anchors() {
        if (!this.anchorsBySubject) {
          const bySubject = /* @__PURE__ */ new Map();
          const fingerprints = /* @__PURE__ */ new Set();
          for (const pem of [...tls.rootCertificates, ...environmentPems(), ...this.extraPems]) {
            const cert = new import_node_crypto2.X509Certificate(pem);
            fingerprints.add(cert.fingerprint256);
            bySubject.set(cert.subject, [...bySubject.get(cert.subject) ?? [], cert]);
          }
          this.anchorsBySubject = bySubject;
          this.anchorFingerprints = fingerprints;
        }
        return this.anchorsBySubject;
      }
    };
  }
});

// functions/probes/tls-probe.ts
function onceConnected(socket, target) {
  return new Promise((resolve3, reject) => {
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve3();
    });
    socket.once("error", (error) => reject(toProbeError(error, target.target)));
  });
}
function secure(socket, target) {
  return new Promise((resolve3, reject) => {
    socket.once("secureConnect", () => {
      socket.removeAllListeners("error");
      socket.on("error", () => void 0);
      resolve3(socket);
    });
    socket.once("error", (error) => reject(toProbeError(error, target.target)));
    socket.once("close", () => reject(new ProbeError("CONNECTION_RESET", `${target.target}: the server closed the connection during the TLS handshake`)));
  });
}
async function withDeadline(timeoutMs, target, work) {
  const sockets = [];
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError("TIMEOUT", `${target.target}: no complete TLS handshake within ${timeoutMs} ms`)), timeoutMs);
  });
  const task = work((socket) => sockets.push(socket));
  try {
    return await Promise.race([task, deadline]);
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    task.catch(() => void 0);
    throw toProbeError(error, target.target);
  } finally {
    clearTimeout(timer);
  }
}
function cached(entries, key, make) {
  let value = entries.get(key);
  if (value === void 0) {
    value = make();
    if (entries.size >= MAX_PARSED_CERTIFICATES) entries.delete(entries.keys().next().value);
    entries.set(key, value);
  }
  return value;
}
function readObservation(socket, chainReadByNode, target, trust, parsed) {
  const peer = chainReadByNode ?? socket.getPeerCertificate(true);
  if (!peer || !peer.raw) throw new ProbeError("PROTOCOL_ERROR", `${target.target}: the server sent no certificate`);
  const served = [];
  const seen = /* @__PURE__ */ new Set();
  for (let cert = peer; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    served.push(cert);
  }
  const chain = served.map((cert) => parsed.describe(cert));
  const verifyError = socket.authorized ? null : String(socket.authorizationError ?? "UNKNOWN");
  let chainProblem = null;
  if (verifyError) {
    chainProblem = trust.chainProblem(served.map((cert) => parsed.x509(cert)));
    if (chainProblem === null && !TIME_ONLY_ERRORS.has(verifyError)) chainProblem = "CHAIN_INVALID";
  }
  const nameToVerify = target.servername ?? target.host;
  const identityError = tls2.checkServerIdentity(nameToVerify, peer);
  return {
    chain,
    chainProblem,
    chainProblemDetail: chainProblem ? verifyError : null,
    hostnameMismatch: identityError ? hostnameMismatchMessage(nameToVerify, identityError.message) : null
  };
}
function hostnameMismatchMessage(name, nodeMessage) {
  const detail2 = nodeMessage.replace(/^Hostname\/IP does not match certificate's altnames: /, "");
  const bounded2 = detail2.length > 200 ? `${detail2.slice(0, 200)}...` : detail2;
  return `the certificate does not cover "${name}" (${bounded2})`;
}
var net, tls2, import_node_crypto3, TIME_ONLY_ERRORS, TlsProbe, MAX_PARSED_CERTIFICATES, ParsedCertificates;
var init_tls_probe = __esm({
  "functions/probes/tls-probe.ts"() {
    "use strict";
    net = __toESM(require("node:net"));
    tls2 = __toESM(require("node:tls"));
    import_node_crypto3 = require("node:crypto");
    init_certificate();
    init_ports();
    init_probe_error();
    init_starttls();
    init_trust_store();
    TIME_ONLY_ERRORS = /* @__PURE__ */ new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "ERR_TLS_CERT_ALTNAME_INVALID"]);
    TlsProbe = class {
      trustStores = /* @__PURE__ */ new Map();
      parsedCertificates = new ParsedCertificates();
      async probe(target, settings) {
        const trust = this.trustStoreFor(settings.caFiles ?? []);
        const { socket, chainReadByNode } = await withDeadline(settings.timeoutMs, target, (track) => this.handshake(target, trust, track));
        try {
          return readObservation(socket, chainReadByNode, target, trust, this.parsedCertificates);
        } finally {
          socket.destroy();
        }
      }
      trustStoreFor(caFiles) {
        const key = caFiles.join("\0");
        let store = this.trustStores.get(key);
        if (!store) {
          store = caFiles.length === 0 ? TrustStore.defaults() : TrustStore.withCaFiles(caFiles);
          this.trustStores.set(key, store);
        }
        return store;
      }
      async handshake(target, trust, track) {
        let chainReadByNode;
        const tlsOptions = {
          rejectUnauthorized: false,
          secureContext: trust.secureContext,
          // A hostile server must not make us verify a name we did not ask for; we check identity ourselves.
          // Node reads the whole chain (getPeerCertificate(true)) to call this once the chain verified: keep it.
          checkServerIdentity: (_name, cert) => {
            chainReadByNode = cert;
            return void 0;
          },
          ...target.servername ? { servername: target.servername } : {}
        };
        if (target.protocol !== "tls") {
          const negotiate = STARTTLS_NEGOTIATORS[target.protocol];
          const plain = net.connect({ host: target.host, port: target.port });
          track(plain);
          await onceConnected(plain, target);
          await negotiate(plain, target);
          const socket2 = await secure(tls2.connect({ ...tlsOptions, socket: plain }), target);
          return { socket: socket2, chainReadByNode };
        }
        const socket = tls2.connect({ ...tlsOptions, host: target.host, port: target.port });
        track(socket);
        await secure(socket, target);
        return { socket, chainReadByNode };
      }
    };
    MAX_PARSED_CERTIFICATES = 2e3;
    ParsedCertificates = class {
      described = /* @__PURE__ */ new Map();
      forVerification = /* @__PURE__ */ new Map();
      describe(cert) {
        return cached(this.described, cert.fingerprint256, () => parseCertificate(cert.raw));
      }
      x509(cert) {
        return cached(this.forVerification, cert.fingerprint256, () => new import_node_crypto3.X509Certificate(cert.raw));
      }
    };
  }
});

// functions/core/safe-text.ts
function stripControls(text2) {
  return text2.replace(CONTROL_OR_BIDI, "");
}
function terminalSafe(text2) {
  return stripControls(text2.replace(/[\t\n\r]+/g, " "));
}
function clipText(text2) {
  return truncateText(text2, DETAIL_LIMITS.textChars);
}
function truncateText(text2, maxChars, marker = "...") {
  if (text2.length <= maxChars) return text2;
  return text2.slice(0, graphemeBoundaryAtOrBefore(text2, Math.max(0, maxChars - marker.length))) + marker;
}
function truncateUtf8(text2, maxBytes, marker = "\n[... truncated]") {
  if (Buffer.byteLength(text2, "utf8") <= maxBytes) return text2;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(marker, "utf8"));
  let bytes = 0;
  let cut = 0;
  for (const char of text2) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > budget) break;
    bytes += size;
    cut += char.length;
  }
  return text2.slice(0, graphemeBoundaryAtOrBefore(text2, cut)) + marker;
}
function graphemeBoundaryAtOrBefore(text2, index) {
  if (index <= 0) return 0;
  if (index >= text2.length) return text2.length;
  const start = Math.max(0, index - 64);
  const window = text2.slice(start, Math.min(text2.length, index + 64));
  graphemes ??= new Intl.Segmenter("en", { granularity: "grapheme" });
  const containing = graphemes.segment(window).containing(index - start);
  return containing ? start + containing.index : index;
}
var DETAIL_LIMITS, CONTROL_OR_BIDI, graphemes;
var init_safe_text = __esm({
  "functions/core/safe-text.ts"() {
    "use strict";
    DETAIL_LIMITS = {
      /** SANs per certificate (`sanCount` keeps the total). */
      sans: 100,
      /** Served certificates, leaf first. */
      chain: 10,
      /** Findings per certificate. */
      findings: 30,
      /** Any one text: a DN, a SAN, a finding or error message. */
      textChars: 300
    };
    CONTROL_OR_BIDI = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFEFF]/g;
  }
});

// functions/cli/render-table.ts
function renderColumns(header, rows) {
  const cells = [header, ...rows].map((row) => row.map(terminalSafe));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column])).join("  ").trimEnd());
}
function renderCheckTable(results, colour) {
  const rows = results.map((r) => [
    r.status.toUpperCase(),
    r.daysRemaining === null ? "-" : String(r.daysRemaining),
    r.notAfter ? r.notAfter.slice(0, 16).replace("T", " ") : "-",
    r.target,
    detail(r)
  ]);
  const [header, ...body] = renderColumns(["STATUS", "DAYS", "NOT AFTER (UTC)", "TARGET", "DETAIL"], rows);
  const coloured = body.map((text2, index) => {
    if (!colour) return text2;
    const status = rows[index][0];
    return `\x1B[${COLOURS[results[index].status]}m${status}\x1B[0m${text2.slice(status.length)}`;
  });
  return [header, ...coloured].join("\n") + "\n";
}
function detail(result) {
  if (result.error) return `${result.error.code}: ${result.error.message}`;
  if (result.findings.length === 0) return result.leaf ? result.leaf.subject : "";
  return result.findings.map((f) => f.code).join(", ") + ` - ${result.findings[0].message}`;
}
var COLOURS;
var init_render_table = __esm({
  "functions/cli/render-table.ts"() {
    "use strict";
    init_safe_text();
    COLOURS = { ok: "32", warning: "33", critical: "31", expired: "31;1", error: "35" };
  }
});

// functions/cli/usage-error.ts
var UsageError;
var init_usage_error = __esm({
  "functions/cli/usage-error.ts"() {
    "use strict";
    UsageError = class extends Error {
      constructor(message) {
        super(message);
        this.name = "UsageError";
      }
    };
  }
});

// functions/cli/local-store/store-thread-client.ts
function revive(failure) {
  if (failure.name === "VersionConflictError" && failure.certificateId !== void 0) return new VersionConflictError(failure.certificateId);
  if (failure.name === "UnreadableStateError" && failure.certificateId !== void 0) return new UnreadableStateError(failure.certificateId, failure.message, failure.version ?? null);
  const error = new Error(failure.message);
  error.name = failure.name;
  return error;
}
var ThreadStateStore;
var init_store_thread_client = __esm({
  "functions/cli/local-store/store-thread-client.ts"() {
    "use strict";
    init_ports();
    ThreadStateStore = class {
      /**
       * `port`: the channel to a thread that answered `ready` on it. `why`: what is known of why the thread stopped
       * (its error), for the message when it does.
       */
      constructor(port, why = () => "") {
        this.port = port;
        port.on("message", (message) => this.answer(message));
        port.on("close", () => this.stop(new Error(`the local store's thread stopped before answering${why()}`)));
      }
      port;
      nextId = 1;
      pending = /* @__PURE__ */ new Map();
      writes = 0;
      /** Why calls are refused: closed, or the thread is gone. */
      stopped = null;
      closing = null;
      /** close()'s wait for the calls in flight. */
      drained = null;
      channelClosed = false;
      get writeCount() {
        return this.writes;
      }
      get(certificateId) {
        return this.call({ method: "get", certificateId });
      }
      list() {
        return this.call({ method: "list" });
      }
      async put(next, expectedVersion) {
        const { version } = await this.call({ method: "put", state: next, expectedVersion });
        return { ...next, version };
      }
      async delete(certificateId, expectedVersion) {
        await this.call({ method: "delete", certificateId, expectedVersion });
      }
      getLedger() {
        return this.call({ method: "getLedger" });
      }
      async putLedger(next, expectedVersion) {
        const { version } = await this.call({ method: "putLedger", ledger: next, expectedVersion });
        return { ...next, version };
      }
      /**
       * Refuses new calls, lets the calls in flight finish (a write the thread has taken is answered, not left
       * unknown), then ends the store on its thread (its SDK client) and this side's channel. Idempotent.
       */
      close() {
        this.closing ??= new Promise((drained) => {
          this.stopped ??= new Error("the local store is closed");
          this.drained = drained;
          this.settleDrain();
        }).then(() => {
          if (!this.channelClosed) this.port.postMessage({ close: true });
          this.stop(this.stopped);
        });
        return this.closing;
      }
      call(call) {
        if (this.stopped) return Promise.reject(this.stopped);
        const id = this.nextId++;
        const answered = new Promise((resolve3, reject) => this.pending.set(id, { resolve: resolve3, reject }));
        try {
          this.port.postMessage({ ...call, id });
        } catch (error) {
          this.pending.get(id)?.reject(error);
          this.pending.delete(id);
        }
        return answered;
      }
      /** Once closing and nothing is in flight, close() may end the channel. */
      settleDrain() {
        if (this.drained && this.pending.size === 0) {
          const drained = this.drained;
          this.drained = null;
          drained();
        }
      }
      answer(message) {
        if (!("id" in message)) return;
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        this.writes = Math.max(this.writes, message.writes);
        if ("failure" in message) pending.reject(revive(message.failure));
        else pending.resolve(message.value);
        this.settleDrain();
      }
      /** The channel is done: every call still waiting is refused with `reason`. */
      stop(reason) {
        this.stopped ??= reason;
        if (!this.channelClosed) {
          this.channelClosed = true;
          this.port.close();
        }
        for (const { reject } of this.pending.values()) reject(reason);
        this.pending.clear();
        this.settleDrain();
      }
    };
  }
});

// functions/cli/local-store/embedded-dynamodb.ts
async function startEmbeddedDynamoDb(options = {}) {
  const path = options.path === void 0 ? null : (0, import_node_path.resolve)(options.path);
  if (path !== null) (0, import_node_fs3.mkdirSync)(path, { recursive: true });
  const storeHost = { registerTypeScript: (0, import_node_path.join)(__dirname, "..", "..", "..", "bin", "register-typescript.js"), module: (0, import_node_path.join)(__dirname, "store-thread-server.ts") };
  const workerData = {
    dynalitePath: require.resolve("dynalite"),
    path,
    storeHost,
    preloadStateStore: options.preloadStateStore ?? false,
    niceness: Math.min(19, Math.max(0, Math.trunc(options.niceness ?? DEFAULT_NICENESS)))
  };
  const worker = new import_node_worker_threads.Worker(SERVER_THREAD, { eval: true, workerData, env: { ...process.env } });
  let exited = false;
  let died;
  worker.once("exit", () => exited = true);
  worker.on("error", (error) => died ??= error);
  const stoppedBecause = () => died ? `: ${died.message}` : "";
  const started = await firstWord(worker);
  if (!("listening" in started)) {
    await worker.terminate();
    if (started instanceof Error) throw started;
    if ("locked" in started) throw new StoreDirectoryLockedError(path);
    throw new Error(`cannot open the local store ${path}: ${"cannotOpen" in started ? started.cannotOpen : "the server thread did not start"}`);
  }
  let closing;
  return {
    endpoint: `http://127.0.0.1:${started.listening}`,
    path,
    openStateStore: async ({ tableName, exclusive = false }) => {
      if (exited || died) throw new Error(`the local store's server thread has stopped${stoppedBecause()}`);
      if (closing) throw new Error("the local store is closing");
      const { port1, port2 } = new import_node_worker_threads.MessageChannel();
      worker.postMessage({ serveStateStore: { port: port2, tableName, exclusive } }, [port2]);
      const answer = await firstAnswer(port1);
      if ("ready" in answer) return new ThreadStateStore(port1, stoppedBecause);
      port1.close();
      throw new Error("failed" in answer ? answer.failed : `the local store's thread stopped before the store was ready${stoppedBecause()}`);
    },
    close: () => closing ??= (async () => {
      const word = died ?? (exited ? void 0 : await firstWord(worker, "close"));
      await worker.terminate();
      if (word instanceof Error) throw word;
      if (word && "closed" in word && word.error) throw new Error(`closing the local store failed: ${word.error}`);
    })()
  };
}
function firstWord(worker, request) {
  return new Promise((settle2) => {
    const onMessage = (message) => done(message);
    const onError = (error) => done(error);
    const onExit = (code) => done(new Error(`the local store's server thread ended with exit code ${code}`));
    const done = (word) => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      settle2(word);
    };
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    if (request !== void 0) worker.postMessage(request);
  });
}
function firstAnswer(port) {
  return new Promise((settle2) => {
    const onMessage = (message) => done(message);
    const onClose = () => done({ closed: true });
    const done = (answer) => {
      port.off("message", onMessage).off("close", onClose);
      settle2(answer);
    };
    port.on("message", onMessage).on("close", onClose);
  });
}
var import_node_fs3, import_node_path, import_node_worker_threads, StoreDirectoryLockedError, SERVER_THREAD, DEFAULT_NICENESS;
var init_embedded_dynamodb = __esm({
  "functions/cli/local-store/embedded-dynamodb.ts"() {
    "use strict";
    import_node_fs3 = require("node:fs");
    import_node_path = require("node:path");
    import_node_worker_threads = require("node:worker_threads");
    init_store_thread_client();
    StoreDirectoryLockedError = class extends Error {
      constructor(directory) {
        super(
          `the local store ${directory} is in use by another running certwatch (LevelDB lock ${(0, import_node_path.join)(directory, "LOCK")} is held): wait for it to finish, or pass another directory with --store`
        );
        this.directory = directory;
        this.name = "StoreDirectoryLockedError";
      }
      directory;
    };
    SERVER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const { dynalitePath, path, storeHost, preloadStateStore, niceness } = workerData;
const fromDynalite = createRequire(dynalitePath);
const code = (error) => (typeof error === 'object' && error !== null ? error.code : undefined);
let server = null;
let host = null;

// The store is background work: on a busy machine the probes' handshakes (and their timeouts) go first. Linux
// lets one thread lower its own priority (setpriority with its thread id, from /proc/thread-self). Threads it
// starts afterwards inherit its priority: Node's thread pool, shared by the whole process (the caller's DNS
// lookups and file reads), must not be one of them, so one file operation starts it first if nothing has yet.
// Elsewhere the thread keeps the process's priority.
async function lowerPriority() {
  if (niceness === 0) return;
  try {
    await require('node:fs/promises').stat('.');
    const threadId = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(threadId) || threadId <= 0) return;
    const os = require('node:os');
    os.setPriority(threadId, Math.min(19, os.getPriority(threadId) + niceness));
  } catch {}
}

function loadHost() {
  if (host === null) {
    try {
      require(storeHost.registerTypeScript)();
      host = { serve: require(storeHost.module).serveStateStore };
    } catch (error) {
      host = { error: String((error && error.message) || error) };
    }
  }
  return host;
}

parentPort.on('message', (message) => {
  if (message && message.serveStateStore) {
    const { port, ...options } = message.serveStateStore;
    const refuse = (reason) => {
      port.postMessage({ failed: reason });
      port.close();
    };
    const address = server && server.listening ? server.address() : null;
    if (address === null) return refuse('the local store is closing');
    const loaded = loadHost();
    if (loaded.error) return refuse('cannot load the state store: ' + loaded.error);
    try {
      return loaded.serve(port, { ...options, endpoint: 'http://127.0.0.1:' + address.port });
    } catch (error) {
      return refuse('cannot start the state store: ' + String((error && error.message) || error));
    }
  }
  if (server === null) return parentPort.postMessage({ closed: true });
  server.close((error) => parentPort.postMessage({ closed: true, ...(error ? { error: String(error.message || error) } : {}) }));
  // Keep-alive sockets of SDK clients would hold the close until they time out.
  server.closeIdleConnections();
});

async function start() {
  if (path !== null) {
    const database = new (fromDynalite('level').Level)(path);
    const opening = database.open();
    opening.catch(() => undefined); // awaited below, once dynalite is loaded (LevelDB opens on its own threads)
    fromDynalite(dynalitePath);
    try {
      await opening;
    } catch (error) {
      if (code(error) === 'LEVEL_LOCKED' || code(error && error.cause) === 'LEVEL_LOCKED') return parentPort.postMessage({ locked: true });
      const reason = error instanceof Error ? ((error.cause && error.cause.message) || error.message) : String(error);
      return parentPort.postMessage({ cannotOpen: reason });
    }
    await database.close();
  }
  await lowerPriority();
  server = fromDynalite(dynalitePath)({ ...(path !== null ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1', () => {
    parentPort.postMessage({ listening: server.address().port });
    if (preloadStateStore) setImmediate(loadHost);
  });
}
start();
`;
    DEFAULT_NICENESS = 10;
  }
});

// functions/core/certificate-id.ts
function certificateIdFor(target) {
  return target.servername === null || target.servername === target.host ? `tls:${target.target}` : `tls:${target.target}/${target.servername}`;
}
function certificateIdForResult(result) {
  return certificateIdFor({ target: result.target, host: result.host ?? "", servername: result.servername });
}
function certificateIdForTarget(input, servername) {
  return certificateIdFor(parseTarget(input, servername));
}
var init_certificate_id = __esm({
  "functions/core/certificate-id.ts"() {
    "use strict";
    init_target();
  }
});

// functions/core/escalation-policy.ts
function lifetimeMs(validity) {
  const leafNotAfter = validity.chain?.[0]?.notAfter ?? validity.notAfter;
  const lifetime = Date.parse(leafNotAfter) - Date.parse(validity.notBefore);
  return Number.isFinite(lifetime) && lifetime > 0 ? lifetime : null;
}
function stageThresholdMs(stage, lifetime, lifetimeCap = DEFAULT_LIFETIME_CAP) {
  if (stage.daysBefore !== void 0) {
    const threshold = stage.daysBefore * DAY_MS;
    return lifetime === null ? threshold : Math.min(threshold, lifetime * lifetimeCap);
  }
  if (stage.lifetimeFraction !== void 0) return lifetime === null ? null : lifetime * stage.lifetimeFraction;
  throw new Error(`escalation stage "${stage.name}" sets neither daysBefore nor lifetimeFraction`);
}
function stageAt(policy, validity, now) {
  const remainingMs = Date.parse(validity.notAfter) - now.getTime();
  if (Number.isNaN(remainingMs)) return null;
  const lifetime = lifetimeMs(validity);
  for (let index = policy.stages.length - 1; index >= 0; index--) {
    const stage = policy.stages[index];
    const threshold = stageThresholdMs(stage, lifetime, policy.lifetimeCap ?? DEFAULT_LIFETIME_CAP);
    if (threshold !== null && remainingMs <= threshold) return stage;
  }
  return null;
}
function renewalOverdue(validity, now) {
  const lifetime = lifetimeMs(validity);
  if (lifetime === null) return null;
  const dueAt = Date.parse(validity.notBefore) + lifetime * RENEWAL_DUE_FRACTION;
  if (now.getTime() < dueAt) return null;
  const lifetimeDays = Math.round(lifetime / DAY_MS * 10) / 10;
  return {
    code: "RENEWAL_OVERDUE",
    severity: "warning",
    message: `the certificate has passed two thirds of its ${lifetimeDays}-day lifetime without being replaced (renewal was due by ${new Date(dueAt).toISOString()}, it expires on ${validity.notAfter}): check the renewal automation`
  };
}
var DEFAULT_LIFETIME_CAP, RENEWAL_DUE_FRACTION, DEFAULT_POLICY;
var init_escalation_policy = __esm({
  "functions/core/escalation-policy.ts"() {
    "use strict";
    init_duration();
    init_duration();
    DEFAULT_LIFETIME_CAP = 0.3;
    RENEWAL_DUE_FRACTION = 2 / 3;
    DEFAULT_POLICY = {
      stages: [
        { name: "notice", daysBefore: 45, notify: ["owners"], repeatEveryMs: parseDuration("7d") },
        { name: "warning", daysBefore: 30, notify: ["owners"], repeatEveryMs: parseDuration("3d") },
        { name: "urgent", daysBefore: 14, notify: ["owners", "oncall"], repeatEveryMs: parseDuration("1d") },
        { name: "critical", daysBefore: 3, notify: ["owners", "oncall"], repeatEveryMs: parseDuration("6h") },
        { name: "expired", daysBefore: 0, notify: ["owners", "oncall"], repeatEveryMs: parseDuration("12h") }
      ],
      errorAfterFailures: 3,
      errorNotify: ["owners"],
      errorRepeatEveryMs: parseDuration("1d"),
      lifetimeCap: DEFAULT_LIFETIME_CAP
    };
  }
});

// functions/core/config.ts
function checkDistinctCertificates(targets, ctx) {
  const firstIndex = /* @__PURE__ */ new Map();
  targets.forEach((entry, index) => {
    let certificateId;
    try {
      certificateId = typeof entry === "string" ? certificateIdForTarget(entry) : certificateIdForTarget(entry.target, entry.servername);
    } catch (error) {
      if (error instanceof InvalidTargetError) return;
      throw error;
    }
    const first = firstIndex.get(certificateId);
    if (first === void 0) firstIndex.set(certificateId, index);
    else ctx.addIssue({ code: "custom", path: ["targets", index], message: `same certificate as targets.${first} (${certificateId})` });
  });
}
function parseConfig(json, source = "config") {
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(source, parsed.error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`));
  }
  const config = parsed.data;
  return {
    targets: config.targets.map((entry) => normaliseTarget(entry, config.check.caFile)),
    check: config.check,
    audiences: config.audiences,
    policy: toPolicy(config.policy),
    digest: config.digest ? { notify: config.digest.notify, everyMs: parseDuration(config.digest.every) } : null,
    snsTopicArn: config.sns?.topicArn ?? null
  };
}
function normaliseTarget(entry, sharedCaFile) {
  const caFiles = sharedCaFile ? [sharedCaFile] : [];
  if (typeof entry === "string") return { target: entry, caFiles, owner: null, tags: {} };
  return {
    target: entry.target,
    servername: entry.servername,
    caFiles: entry.caFile ? [...caFiles, entry.caFile] : caFiles,
    owner: entry.owner ?? null,
    tags: Array.isArray(entry.tags) ? Object.fromEntries(entry.tags.map((tag) => [tag, ""])) : entry.tags ?? {}
  };
}
function toPolicy(policy) {
  const stages = policy.stages?.map((stage) => ({
    name: stage.name,
    ...stage.daysBefore !== void 0 ? { daysBefore: stage.daysBefore } : {},
    ...stage.lifetimeFraction !== void 0 ? { lifetimeFraction: stage.lifetimeFraction } : {},
    notify: stage.notify,
    repeatEveryMs: parseDuration(stage.repeatEvery)
  }));
  return {
    ...DEFAULT_POLICY,
    ...stages ? { stages } : {},
    ...policy.errorAfterFailures !== void 0 ? { errorAfterFailures: policy.errorAfterFailures } : {},
    errorNotify: policy.errorNotify ?? stages?.[0].notify ?? DEFAULT_POLICY.errorNotify,
    ...policy.errorRepeatEvery ? { errorRepeatEveryMs: parseDuration(policy.errorRepeatEvery) } : {},
    ...policy.lifetimeCap !== void 0 ? { lifetimeCap: policy.lifetimeCap } : {}
  };
}
var import_zod, duration, tags, targetEntry, RESERVED_STAGE_NAMES, RESERVED_LIST, stageSchema, audienceSchema, configSchema, ConfigError;
var init_config = __esm({
  "functions/core/config.ts"() {
    "use strict";
    import_zod = require("zod");
    init_certificate_id();
    init_check_settings();
    init_duration();
    init_escalation_policy();
    init_target();
    duration = import_zod.z.string().refine(
      (text2) => {
        try {
          parseDuration(text2);
          return true;
        } catch {
          return false;
        }
      },
      { message: "must be a duration such as 30m, 6h, 7d" }
    );
    tags = import_zod.z.union([import_zod.z.record(import_zod.z.string(), import_zod.z.string()), import_zod.z.array(import_zod.z.string())]);
    targetEntry = import_zod.z.union([
      import_zod.z.string().min(1),
      import_zod.z.strictObject({
        target: import_zod.z.string().min(1),
        servername: import_zod.z.string().optional(),
        caFile: import_zod.z.string().optional(),
        owner: import_zod.z.string().optional(),
        tags: tags.optional()
      })
    ]);
    RESERVED_STAGE_NAMES = ["error", "invalid", "digest"];
    RESERVED_LIST = `${RESERVED_STAGE_NAMES.slice(0, -1).map((name) => `"${name}"`).join(", ")} and "${RESERVED_STAGE_NAMES.at(-1)}"`;
    stageSchema = import_zod.z.strictObject({
      name: import_zod.z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "must be lower-case letters, digits and dashes").refine((name) => !RESERVED_STAGE_NAMES.includes(name), {
        message: `${RESERVED_LIST} are reserved (they name probe-failure alerts, invalid-certificate alerts and digests): choose another stage name`
      }).describe(`Stage name, used in notifications and \`certwatch status\`. ${RESERVED_LIST} are reserved.`),
      daysBefore: import_zod.z.number().min(CHECK_LIMITS.days.min).max(CHECK_LIMITS.days.max).optional(),
      lifetimeFraction: import_zod.z.number().gt(0).lt(1).optional(),
      notify: import_zod.z.array(import_zod.z.string()).min(1, "name at least one audience"),
      repeatEvery: duration
    }).refine((stage) => stage.daysBefore === void 0 !== (stage.lifetimeFraction === void 0), {
      message: "set exactly one of daysBefore and lifetimeFraction"
    });
    audienceSchema = import_zod.z.strictObject({
      emails: import_zod.z.array(import_zod.z.email({ message: "must be an email address" })).default([]),
      sms: import_zod.z.array(import_zod.z.string().regex(/^\+[1-9]\d{6,14}$/, "must be a phone number in E.164 form (+15551234567)")).default([])
    });
    configSchema = import_zod.z.strictObject({
      $schema: import_zod.z.string().optional(),
      targets: import_zod.z.array(targetEntry).min(1, "watch at least one target"),
      check: import_zod.z.strictObject({
        warningDays: import_zod.z.number().int().min(CHECK_LIMITS.days.min).max(CHECK_LIMITS.days.max).default(CHECK_DEFAULTS.warningDays),
        criticalDays: import_zod.z.number().int().min(CHECK_LIMITS.days.min).max(CHECK_LIMITS.days.max).default(CHECK_DEFAULTS.criticalDays),
        timeoutMs: import_zod.z.number().int().min(CHECK_LIMITS.timeoutMs.min).max(CHECK_LIMITS.timeoutMs.max).default(CHECK_DEFAULTS.timeoutMs),
        concurrency: import_zod.z.number().int().min(CHECK_LIMITS.concurrency.min).max(CHECK_LIMITS.concurrency.max).default(CHECK_DEFAULTS.concurrency),
        caFile: import_zod.z.string().optional()
      }).default({ ...CHECK_DEFAULTS }),
      audiences: import_zod.z.record(import_zod.z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "audience names are lower-case letters, digits and dashes"), audienceSchema).default({}),
      policy: import_zod.z.strictObject({
        stages: import_zod.z.array(stageSchema).min(1).optional(),
        errorAfterFailures: import_zod.z.number().int().min(1).max(1e3).optional(),
        errorNotify: import_zod.z.array(import_zod.z.string()).min(1).optional().describe(`Audiences told about probe failures. Default: the first stage's audiences (["owners"] with the default stages).`),
        errorRepeatEvery: duration.optional(),
        lifetimeCap: import_zod.z.number().gt(0).max(1).optional().describe(
          `Caps every daysBefore threshold at this fraction of the certificate's lifetime (leaf notAfter - notBefore), so short-lived certificates are not alerted about before their renewal is due. A number in (0, 1]; 1 turns the cap off. Default ${DEFAULT_LIFETIME_CAP}.`
        )
      }).default({}),
      digest: import_zod.z.strictObject({ notify: import_zod.z.array(import_zod.z.string()).min(1), every: duration.default("1d") }).optional(),
      sns: import_zod.z.strictObject({ topicArn: import_zod.z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN") }).optional()
    }).superRefine((config, ctx) => {
      const known = Object.keys(config.audiences);
      const check = (names2, path) => names2.forEach((name, index) => {
        if (!known.includes(name)) {
          ctx.addIssue({ code: "custom", path: [...path, index], message: `unknown audience "${name}" (define it under "audiences"; known: ${known.join(", ") || "none"})` });
        }
      });
      if (config.policy.stages) {
        config.policy.stages.forEach((stage, i) => check(stage.notify, ["policy", "stages", i, "notify"]));
      } else {
        const needed = [.../* @__PURE__ */ new Set([...DEFAULT_POLICY.stages.flatMap((stage) => stage.notify), ...DEFAULT_POLICY.errorNotify])];
        for (const name of needed.filter((n) => !known.includes(n))) {
          const stages = DEFAULT_POLICY.stages.filter((stage) => stage.notify.includes(name)).map((stage) => stage.name);
          ctx.addIssue({ code: "custom", path: ["audiences"], message: `the default policy notifies "${name}" (stages ${stages.join(", ")}): define it, or set policy.stages` });
        }
      }
      if (config.policy.errorNotify) check(config.policy.errorNotify, ["policy", "errorNotify"]);
      if (config.digest) check(config.digest.notify, ["digest", "notify"]);
      const names = /* @__PURE__ */ new Set();
      (config.policy.stages ?? []).forEach((stage, i) => {
        if (names.has(stage.name)) ctx.addIssue({ code: "custom", path: ["policy", "stages", i, "name"], message: `duplicate stage name "${stage.name}"` });
        names.add(stage.name);
      });
      if (config.check.criticalDays > config.check.warningDays) {
        ctx.addIssue({ code: "custom", path: ["check", "criticalDays"], message: "must not exceed check.warningDays" });
      }
      checkDistinctCertificates(config.targets, ctx);
    });
    ConfigError = class extends Error {
      constructor(source, problems) {
        super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:
  - ${problems.join("\n  - ")}`}`);
        this.source = source;
        this.problems = problems;
        this.name = "ConfigError";
      }
      source;
      problems;
    };
  }
});

// functions/core/escalation.ts
function rejectingFindings(findings) {
  return findings.filter((finding) => REJECTING_FINDING_CODES.has(finding.code));
}
function rejectingCodes(findings) {
  return [...new Set(rejectingFindings(findings).map((finding) => finding.code))];
}
function notificationId(certificateId, kind, stage, decidedAt) {
  return `${certificateId}#${kind}#${stage}#${decidedAt}`;
}
function observe(previous, input, policy, now) {
  if (previous && previous.certificateId !== input.certificateId) {
    throw new Error(`state of ${previous.certificateId} cannot take an observation of ${input.certificateId}`);
  }
  if (previous && Date.parse(previous.lastCheckedAt) >= now.getTime()) return { state: previous, planned: [] };
  const at = now.toISOString();
  const history = [];
  const record = (event, detail2) => history.push({ at, event, detail: detail2 });
  const failure = boundedError(probeFailure(input.result));
  let certificate = previous?.certificate ?? null;
  let replaced = false;
  const leaf = input.result.leaf;
  if (!failure && leaf) {
    const seen = storable(knownCertificateFrom(input.result, leaf, certificate, at), now);
    if (!certificate) record("first-seen", `${seen.subject} (${seen.fingerprintSha256}) expires ${seen.notAfter}`);
    else if (certificate.fingerprintSha256 !== seen.fingerprintSha256) {
      replaced = true;
      record("replaced", `${certificate.fingerprintSha256} (expires ${certificate.notAfter}) -> ${seen.fingerprintSha256} (expires ${seen.notAfter})`);
    }
    certificate = seen;
  } else if (certificate) {
    certificate = storable(certificate, now);
  }
  const failuresBefore = previous?.consecutiveFailures ?? 0;
  const consecutiveFailures = failure ? failuresBefore + 1 : 0;
  if (failure && failuresBefore === 0) record("probe-failing", `${failure.code}: ${failure.message}`);
  if (!failure && failuresBefore > 0) record("probe-recovered", `answered again after ${failuresBefore} failed run(s)`);
  const status = failure ? "error" : input.result.status;
  if (previous && previous.status !== status) record("status-changed", `${previous.status} -> ${status}`);
  const draft = {
    input,
    at,
    status,
    certificate,
    failure,
    consecutiveFailures,
    now,
    pending: [...previous?.pending ?? []],
    sentIds: new Set((previous?.sent ?? []).map((sent) => sent.id)),
    planned: []
  };
  const escalated = escalateExpiry(previous, draft, policy, stageFor(policy, certificate, now), replaced, record);
  const errorAlert = escalateError(previous, draft, policy);
  const invalidAlert = escalateInvalid(previous?.invalidAlert, draft, policy, record);
  const state = {
    certificateId: input.certificateId,
    source: input.source,
    target: input.target,
    owner: input.owner,
    tags: input.tags,
    lastCheckedAt: at,
    status,
    certificate,
    lastError: failure,
    consecutiveFailures,
    expiry: escalated.expiry,
    errorAlert,
    ...invalidAlert ? { invalidAlert } : {},
    acknowledgement: escalated.acknowledgement,
    pending: draft.pending,
    sent: previous?.sent ?? [],
    history: bounded([...previous?.history ?? [], ...history], HISTORY_LIMIT),
    version: previous?.version ?? 0
  };
  return { state, planned: draft.planned };
}
function markPublished(state, notificationId2, messageId, sentAt) {
  const notification = state.pending.find((pending) => pending.id === notificationId2);
  if (!notification) return state;
  const sent = {
    id: notification.id,
    kind: notification.kind,
    stage: notification.stage,
    audiences: notification.audiences,
    decidedAt: notification.decidedAt,
    sentAt: sentAt.toISOString(),
    messageId
  };
  const entry = {
    at: sent.sentAt,
    event: "notified",
    detail: `${notification.kind} ${notification.stage} to ${notification.audiences.join(", ")}${messageId ? ` (message ${messageId})` : ""}`
  };
  const invalidAlert = state.invalidAlert ?? INACTIVE_INVALID_ALERT;
  return {
    ...state,
    expiry: notification.kind === "expiry" ? { ...state.expiry, audiencesTold: union(state.expiry.audiencesTold, notification.audiences) } : state.expiry,
    errorAlert: isProbeFailureNotice(notification) ? { ...state.errorAlert, audiencesTold: union(state.errorAlert.audiencesTold, notification.audiences) } : state.errorAlert,
    ...isInvalidNotice(notification) ? { invalidAlert: { ...invalidAlert, audiencesTold: union(invalidAlert.audiencesTold, notification.audiences) } } : {},
    pending: state.pending.filter((pending) => pending.id !== notificationId2),
    sent: bounded([...state.sent, sent], SENT_LIMIT),
    history: bounded([...state.history, entry], HISTORY_LIMIT)
  };
}
function acknowledgeAlert(state, request) {
  const target = acknowledgementTarget(state, request.alert);
  if (request.until && request.until.getTime() <= request.at.getTime()) {
    throw new AcknowledgementError(state.certificateId, "UNTIL_NOT_AFTER_AT", `snooze of ${state.certificateId} must end after it starts (${request.until.toISOString()} is not after ${request.at.toISOString()})`);
  }
  const acknowledgement = {
    stage: target.stage,
    at: request.at.toISOString(),
    until: request.until?.toISOString() ?? null,
    note: request.note ?? null,
    fingerprintSha256: target.fingerprintSha256
  };
  const what = { expiry: target.stage, error: "error (probe failure)", invalid: "invalid (certificate rejected by clients)" }[target.alert];
  const lasting = acknowledgement.until ? ` snoozed until ${acknowledgement.until}` : ACKNOWLEDGED_UNTIL[target.alert];
  const entry = { at: acknowledgement.at, event: "acknowledged", detail: `${what}${lasting}${acknowledgement.note ? `: ${acknowledgement.note}` : ""}` };
  const history = bounded([...state.history, entry], HISTORY_LIMIT);
  if (target.alert === "error") {
    const next2 = { ...state, errorAlert: { ...state.errorAlert, acknowledgement }, pending: state.pending.filter((pending) => !isProbeFailureNotice(pending)), history };
    return { state: next2, alert: target.alert, acknowledgement };
  }
  if (target.alert === "invalid") {
    const invalidAlert = { ...state.invalidAlert ?? INACTIVE_INVALID_ALERT, acknowledgement };
    const next2 = { ...state, invalidAlert, pending: state.pending.filter((pending) => !isInvalidNotice(pending)), history };
    return { state: next2, alert: target.alert, acknowledgement };
  }
  const next = {
    ...state,
    acknowledgement,
    pending: state.pending.filter((pending) => !(pending.kind === "expiry" && pending.stage === target.stage)),
    history
  };
  return { state: next, alert: target.alert, acknowledgement };
}
function isSilenced(acknowledgement, stage, certificate, now) {
  if (!acknowledgement || acknowledgement.stage !== stage) return false;
  if (acknowledgement.fingerprintSha256 !== null && acknowledgement.fingerprintSha256 !== certificate.fingerprintSha256) return false;
  return snoozeRunning(acknowledgement, now);
}
function isErrorAlertSilenced(errorAlert, now) {
  const acknowledgement = errorAlert.acknowledgement ?? null;
  return errorAlert.active && acknowledgement !== null && snoozeRunning(acknowledgement, now);
}
function isInvalidAlertSilenced(invalidAlert, certificate, now) {
  const acknowledgement = invalidAlert?.acknowledgement ?? null;
  if (!invalidAlert?.active || acknowledgement === null) return false;
  if (acknowledgement.fingerprintSha256 !== null && acknowledgement.fingerprintSha256 !== certificate?.fingerprintSha256) return false;
  return snoozeRunning(acknowledgement, now);
}
function stageFor(policy, certificate, now) {
  return certificate ? stageAt(policy, certificate, now) : null;
}
function escalateExpiry(previous, draft, policy, stage, replaced, record) {
  const { certificate, now } = draft;
  const previousStage = previous?.expiry.stage ?? null;
  const stageName = stage?.name ?? null;
  let expiry = previous?.expiry ?? { stage: null, stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: [] };
  let acknowledgement = previous?.acknowledgement ?? null;
  const stageChanged = stageName !== previousStage;
  if (stageChanged || replaced) {
    if (stageChanged) record("stage-changed", `${previousStage ?? "none"} -> ${stageName ?? "none"}${certificate ? ` (${daysLeftText(certificate, now)} days left)` : ""}`);
    expiry = { ...expiry, stage: stageName, stageEnteredAt: stageName ? draft.at : null, lastNotifiedAt: null };
    acknowledgement = null;
    draft.pending = draft.pending.filter((pending) => pending.kind !== "expiry");
  }
  const replacement = replaced ? { replaced: true } : {};
  if (!stage && expiry.audiencesTold.length > 0) {
    plan(draft, "recovery", previousStage ?? "expiry", expiry.audiencesTold, replacement);
    expiry = { ...expiry, audiencesTold: [] };
  } else if (stage && previousStage && stageChanged && isLowerStage(policy, stage.name, previousStage)) {
    const stillInvolved = expiry.audiencesTold.filter((audience) => stage.notify.includes(audience));
    const letGo = expiry.audiencesTold.filter((audience) => !stage.notify.includes(audience));
    if (letGo.length > 0) plan(draft, "recovery", previousStage, letGo, { ...replacement, stageNow: stage.name });
    expiry = { ...expiry, audiencesTold: stillInvolved };
  }
  if (stage && certificate && !isSilenced(acknowledgement, stage.name, certificate, now) && isDue(expiry.lastNotifiedAt, stage.repeatEveryMs, now)) {
    draft.pending = draft.pending.filter((pending) => pending.kind !== "expiry");
    plan(draft, "expiry", stage.name, stage.notify);
    expiry = { ...expiry, lastNotifiedAt: draft.at };
  }
  return { expiry, acknowledgement };
}
function escalateError(previous, draft, policy) {
  const errorAlert = previous?.errorAlert ?? { active: false, lastNotifiedAt: null, audiencesTold: [] };
  if (draft.failure) {
    if (draft.consecutiveFailures < policy.errorAfterFailures) return errorAlert;
    if (isErrorAlertSilenced(errorAlert, draft.now) || !isDue(errorAlert.lastNotifiedAt, policy.errorRepeatEveryMs, draft.now)) {
      return { ...errorAlert, active: true };
    }
    draft.pending = draft.pending.filter((pending) => !isProbeFailureNotice(pending));
    plan(draft, "error", "error", policy.errorNotify);
    return { ...errorAlert, active: true, lastNotifiedAt: draft.at };
  }
  if (!errorAlert.active && errorAlert.audiencesTold.length === 0) return errorAlert;
  draft.pending = draft.pending.filter((pending) => !isProbeFailureNotice(pending));
  if (errorAlert.audiencesTold.length > 0) plan(draft, "recovery", "error", errorAlert.audiencesTold);
  return { active: false, lastNotifiedAt: null, audiencesTold: [] };
}
function escalateInvalid(previous, draft, policy, record) {
  if (draft.failure || !draft.certificate) return previous;
  const alert = previous ?? INACTIVE_INVALID_ALERT;
  const codes = rejectingCodes(draft.input.result.findings);
  if (codes.length === 0) {
    if (!alert.active && alert.audiencesTold.length === 0) return previous;
    if (alert.active) record("valid-again", `clients accept ${draft.certificate.fingerprintSha256} again`);
    draft.pending = draft.pending.filter((pending) => !isInvalidNotice(pending));
    if (alert.audiencesTold.length > 0) plan(draft, "recovery", INVALID_STAGE, alert.audiencesTold);
    return INACTIVE_INVALID_ALERT;
  }
  if (!alert.active) record("invalid", `clients reject ${draft.certificate.fingerprintSha256}: ${codes.join(", ")}`);
  const acknowledgement = alert.acknowledgement?.fingerprintSha256 === draft.certificate.fingerprintSha256 ? alert.acknowledgement : null;
  const active = { ...alert, active: true, acknowledgement };
  if (isInvalidAlertSilenced(active, draft.certificate, draft.now) || !isDue(active.lastNotifiedAt, policy.errorRepeatEveryMs, draft.now)) return active;
  draft.pending = draft.pending.filter((pending) => !isInvalidNotice(pending));
  plan(draft, "error", INVALID_STAGE, policy.errorNotify);
  return { ...active, lastNotifiedAt: draft.at };
}
function isProbeFailureNotice(notification) {
  return notification.kind === "error" && notification.stage !== INVALID_STAGE;
}
function isInvalidNotice(notification) {
  return notification.kind === "error" && notification.stage === INVALID_STAGE;
}
function acknowledgementTarget(state, asked) {
  const candidates = {
    expiry: state.expiry.stage && state.certificate ? { alert: "expiry", stage: state.expiry.stage, fingerprintSha256: state.certificate.fingerprintSha256 } : null,
    error: state.errorAlert.active ? { alert: "error", stage: "error", fingerprintSha256: null } : null,
    invalid: state.invalidAlert?.active && state.certificate ? { alert: "invalid", stage: INVALID_STAGE, fingerprintSha256: state.certificate.fingerprintSha256 } : null
  };
  const target = asked === void 0 ? ACKNOWLEDGEABLE_ALERTS.map((alert) => candidates[alert]).find((candidate) => candidate !== null) : candidates[asked];
  if (target) return target;
  const why = asked === "expiry" ? "is not in any escalation stage: there is no expiry alert to acknowledge" : asked === "error" ? "has no active probe-failure alert: there is no error alert to acknowledge" : asked === "invalid" ? "is not served with a certificate clients reject: there is no invalid alert to acknowledge" : "is not in any escalation stage, has no active probe-failure alert and is not served with a certificate clients reject: there is nothing to acknowledge";
  throw new AcknowledgementError(state.certificateId, "NOTHING_TO_ACKNOWLEDGE", `${state.certificateId} ${why}`);
}
function plan(draft, kind, stage, audiences, recovery = {}) {
  const { input, at, certificate, now } = draft;
  const id = notificationId(input.certificateId, kind, stage, at);
  if (draft.sentIds.has(id) || draft.pending.some((pending) => pending.id === id)) return;
  const notification = {
    id,
    kind,
    stage,
    audiences: [...audiences],
    certificateId: input.certificateId,
    target: input.target,
    decidedAt: at,
    status: draft.status,
    daysRemaining: certificate ? daysRemaining(new Date(certificate.notAfter), now) : null,
    certificate,
    error: kind === "recovery" ? null : draft.failure,
    consecutiveFailures: draft.consecutiveFailures,
    owner: input.owner,
    ...recovery
  };
  draft.pending.push(notification);
  draft.planned.push(notification);
}
function snoozeRunning(acknowledgement, now) {
  return acknowledgement.until === null || now.getTime() < Date.parse(acknowledgement.until);
}
function isDue(lastNotifiedAt, repeatEveryMs, now) {
  if (lastNotifiedAt === null) return true;
  const tolerance = Math.min(REPEAT_TOLERANCE_MS, repeatEveryMs / 10);
  return now.getTime() - Date.parse(lastNotifiedAt) >= repeatEveryMs - tolerance;
}
function probeFailure(result) {
  if (result.error) return result.error;
  if (!result.leaf) return { code: "PROTOCOL_ERROR", message: `${result.target}: the probe returned no certificate` };
  return null;
}
function knownCertificateFrom(result, leaf, known, at) {
  return {
    fingerprintSha256: leaf.fingerprintSha256,
    subject: leaf.subject,
    issuer: leaf.issuer,
    sans: leaf.sans,
    notBefore: leaf.notBefore,
    notAfter: result.notAfter ?? leaf.notAfter,
    serialNumber: leaf.serialNumber,
    chain: result.chain,
    findings: result.findings,
    firstSeenAt: known && known.fingerprintSha256 === leaf.fingerprintSha256 ? known.firstSeenAt : at
  };
}
function storable(certificate, now) {
  const judged = certificate.findings.filter((finding) => finding.code !== "RENEWAL_OVERDUE" && !EXPIRY_FINDING_CODES.has(finding.code));
  const overdue = renewalOverdue(certificate, now);
  return {
    ...boundedTexts(certificate),
    chain: boundedChain(certificate.chain, certificate.notAfter),
    findings: boundedFindings(overdue ? [...judged, overdue] : judged)
  };
}
function boundedTexts(certificate) {
  const total = Math.max(certificate.sanCount ?? 0, certificate.sans.length);
  const sans = [];
  let chars = 0;
  for (const name of certificate.sans.slice(0, DETAIL_LIMITS.sans)) {
    const clipped = clipText(name);
    if (chars + clipped.length > STORED_SANS_MAX_CHARS) break;
    sans.push(clipped);
    chars += clipped.length;
  }
  const texts = { subject: clipText(certificate.subject), issuer: clipText(certificate.issuer), serialNumber: clipText(certificate.serialNumber), sans };
  return { ...certificate, ...texts, ...sans.length < total ? { sanCount: total } : {} };
}
function boundedChain(chain, governingNotAfter) {
  const kept = chain.slice(0, DETAIL_LIMITS.chain);
  const governing = chain.find((cert) => cert.notAfter === governingNotAfter);
  if (governing && !kept.includes(governing)) kept[kept.length - 1] = governing;
  return kept.map(boundedTexts);
}
function boundedFindings(findings) {
  const kept = findings.length <= DETAIL_LIMITS.findings ? findings : [...findings.filter((f) => f.severity === "critical"), ...findings.filter((f) => f.severity !== "critical")].slice(0, DETAIL_LIMITS.findings);
  return kept.map((finding) => ({ ...finding, message: clipText(finding.message) }));
}
function boundedError(error) {
  return error && { ...error, message: clipText(error.message) };
}
function isLowerStage(policy, now, before) {
  const beforeIndex = policy.stages.findIndex((stage) => stage.name === before);
  return beforeIndex >= 0 && policy.stages.findIndex((stage) => stage.name === now) < beforeIndex;
}
function daysLeftText(certificate, now) {
  return ((Date.parse(certificate.notAfter) - now.getTime()) / DAY_MS).toFixed(1);
}
function union(told, more) {
  return [.../* @__PURE__ */ new Set([...told, ...more])];
}
function bounded(items, limit) {
  return items.length > limit ? items.slice(items.length - limit) : [...items];
}
var HISTORY_LIMIT, SENT_LIMIT, STORED_SANS_MAX_CHARS, EXPIRY_FINDING_CODES, REJECTING_FINDING_CODES, INVALID_STAGE, REPEAT_TOLERANCE_MS, ACKNOWLEDGEABLE_ALERTS, AcknowledgementError, INACTIVE_INVALID_ALERT, ACKNOWLEDGED_UNTIL;
var init_escalation = __esm({
  "functions/core/escalation.ts"() {
    "use strict";
    init_escalation_policy();
    init_judge();
    init_duration();
    init_safe_text();
    HISTORY_LIMIT = 50;
    SENT_LIMIT = 50;
    STORED_SANS_MAX_CHARS = 4e3;
    EXPIRY_FINDING_CODES = /* @__PURE__ */ new Set(["EXPIRES_SOON", "EXPIRED"]);
    REJECTING_FINDING_CODES = /* @__PURE__ */ new Set([
      "HOSTNAME_MISMATCH",
      "SELF_SIGNED",
      "UNTRUSTED_ROOT",
      "INCOMPLETE_CHAIN",
      "CHAIN_INVALID",
      "NOT_YET_VALID"
    ]);
    INVALID_STAGE = "invalid";
    REPEAT_TOLERANCE_MS = 5 * 6e4;
    ACKNOWLEDGEABLE_ALERTS = ["expiry", "error", "invalid"];
    AcknowledgementError = class extends Error {
      constructor(certificateId, reason, message) {
        super(message);
        this.certificateId = certificateId;
        this.reason = reason;
        this.name = "AcknowledgementError";
      }
      certificateId;
      reason;
    };
    INACTIVE_INVALID_ALERT = { active: false, lastNotifiedAt: null, audiencesTold: [], acknowledgement: null };
    ACKNOWLEDGED_UNTIL = {
      expiry: " until the stage changes",
      error: " until the probe answers again",
      invalid: " until another certificate is served or clients accept it again"
    };
  }
});

// functions/config-file/load-config-file.ts
function loadConfigFile(file) {
  let text2;
  try {
    text2 = (0, import_node_fs4.readFileSync)(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file (${error.code ?? String(error)})`]);
  }
  let json;
  try {
    json = JSON.parse(text2);
  } catch {
    throw new ConfigError(file, [`not valid JSON: ${locateJsonError(text2)}`]);
  }
  const config = parseConfig(json, file);
  return withCaFilesFrom((0, import_node_path2.dirname)(file), config, json, file);
}
function locateJsonError(text2) {
  const { parse: parseJsonc, printParseErrorCode } = require("jsonc-parser");
  const errors = [];
  parseJsonc(text2, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return "the file is not JSON";
  const reason = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  const before = text2.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${reason} at line ${line}, column ${column}`;
}
function withCaFilesFrom(directory, config, input, file) {
  const locate = (path) => (0, import_node_path2.isAbsolute)(path) ? path : (0, import_node_path2.resolve)(directory, path);
  const named = [];
  if (input.check?.caFile !== void 0) named.push({ field: "check.caFile", path: input.check.caFile });
  input.targets.forEach((entry, index) => {
    if (typeof entry !== "string" && entry.caFile !== void 0) named.push({ field: `targets.${index}.caFile`, path: entry.caFile });
  });
  const unreadable = /* @__PURE__ */ new Map();
  const readError = (path) => {
    const located = locate(path);
    if (!unreadable.has(located)) {
      try {
        (0, import_node_fs4.readFileSync)(located);
        unreadable.set(located, null);
      } catch (error) {
        unreadable.set(located, error.code ?? String(error));
      }
    }
    return unreadable.get(located) ?? null;
  };
  const problems = named.flatMap(({ field, path }) => {
    const error = readError(path);
    return error === null ? [] : [`${field}: cannot read ${path} (${error})`];
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return {
    ...config,
    check: { ...config.check, ...config.check.caFile !== void 0 ? { caFile: locate(config.check.caFile) } : {} },
    targets: config.targets.map((target) => ({ ...target, caFiles: target.caFiles.map(locate) }))
  };
}
var import_node_fs4, import_node_path2;
var init_load_config_file = __esm({
  "functions/config-file/load-config-file.ts"() {
    "use strict";
    import_node_fs4 = require("node:fs");
    import_node_path2 = require("node:path");
    init_config();
  }
});

// functions/use-cases/acknowledge-certificate.ts
async function acknowledgeCertificate(store, certificateId, request) {
  for (let attempt = 1; ; attempt++) {
    const state = await store.get(certificateId);
    if (!state) throw new UnknownCertificateError(certificateId);
    try {
      const outcome = acknowledgeAlert(state, request);
      return { state: await store.put(outcome.state, state.version), acknowledgement: outcome.acknowledgement };
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < 3) continue;
      throw error;
    }
  }
}
var UnknownCertificateError;
var init_acknowledge_certificate = __esm({
  "functions/use-cases/acknowledge-certificate.ts"() {
    "use strict";
    init_escalation();
    init_ports();
    UnknownCertificateError = class extends Error {
      constructor(certificateId) {
        super(`no watched certificate ${certificateId} (certwatch status lists them)`);
        this.certificateId = certificateId;
        this.name = "UnknownCertificateError";
      }
      certificateId;
    };
  }
});

// functions/use-cases/forget-certificate.ts
async function forgetCertificate(store, certificateId) {
  for (let attempt = 1; ; attempt++) {
    let forgotten;
    let version;
    try {
      const state = await store.get(certificateId);
      if (!state) throw new UnknownCertificateError(certificateId);
      forgotten = { state };
      version = state.version;
    } catch (error) {
      if (!(error instanceof UnreadableStateError)) throw error;
      forgotten = { unreadable: error.message };
      version = error.version;
    }
    try {
      await store.delete(certificateId, version);
      return forgotten;
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < 3) continue;
      throw error;
    }
  }
}
var init_forget_certificate = __esm({
  "functions/use-cases/forget-certificate.ts"() {
    "use strict";
    init_ports();
    init_acknowledge_certificate();
  }
});

// functions/core/escalation-digest.ts
function planDigest(states, policy, now, schedule = { notify: policy.stages[0]?.notify ?? [], everyMs: DAY_MS }) {
  const lines2 = [];
  for (const state of states) {
    const stage = stageFor(policy, state.certificate, now);
    const failing = state.consecutiveFailures > 0;
    const invalid = state.invalidAlert?.active === true;
    if (!stage && !failing && !invalid) continue;
    const rejectedFor = invalid ? rejectingCodes(state.certificate?.findings ?? []) : [];
    lines2.push({
      certificateId: state.certificateId,
      target: state.target,
      subject: state.certificate?.subject ?? null,
      notAfter: state.certificate?.notAfter ?? null,
      daysRemaining: state.certificate ? daysRemaining(new Date(state.certificate.notAfter), now) : null,
      stage: stage?.name ?? null,
      status: state.status,
      acknowledged: stage && state.certificate ? isSilenced(state.acknowledgement, stage.name, state.certificate, now) : failing ? isErrorAlertSilenced(state.errorAlert, now) : isInvalidAlertSilenced(state.invalidAlert, state.certificate, now),
      ...invalid ? { rejectedFor } : {}
    });
  }
  if (lines2.length === 0) return null;
  lines2.sort(soonestExpiryFirst);
  const period = new Date(Math.floor(now.getTime() / schedule.everyMs) * schedule.everyMs).toISOString();
  const known = lines2.flatMap((line) => line.daysRemaining === null ? [] : [line.daysRemaining]);
  return {
    id: `${DIGEST_ID}#${period}`,
    kind: "digest",
    stage: DIGEST_ID,
    audiences: [...schedule.notify],
    certificateId: DIGEST_ID,
    target: `${lines2.length} certificate${lines2.length === 1 ? "" : "s"} needing attention`,
    decidedAt: now.toISOString(),
    status: worstStatus(lines2.map((line) => line.status)),
    daysRemaining: known.length > 0 ? Math.min(...known) : null,
    certificate: null,
    error: null,
    consecutiveFailures: 0,
    owner: null,
    digest: lines2
  };
}
function soonestExpiryFirst(a, b) {
  const aMs = expiryMs(a.notAfter);
  const bMs = expiryMs(b.notAfter);
  if (aMs !== bMs) {
    if (aMs === null) return 1;
    if (bMs === null) return -1;
    return aMs - bMs;
  }
  return a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0;
}
function expiryMs(notAfter) {
  const ms = notAfter === null ? Number.NaN : Date.parse(notAfter);
  return Number.isNaN(ms) ? null : ms;
}
var DIGEST_ID;
var init_escalation_digest = __esm({
  "functions/core/escalation-digest.ts"() {
    "use strict";
    init_check_result();
    init_escalation();
    init_judge();
    init_duration();
    DIGEST_ID = "digest";
  }
});

// functions/use-cases/run-watch.ts
async function runWatch(config, deps) {
  const at = deps.now.toISOString();
  const requests = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles }));
  const settings = { ...config.check, caFiles: [] };
  const opened = Promise.resolve(deps.store).then((store) => ({ open: { ...deps, store }, writesBefore: store.writeCount }));
  const stopProbing = new AbortController();
  opened.catch((error) => stopProbing.abort(error));
  const stored = opened.then(async ({ open: open2 }) => {
    const { states, unreadable: unreadable2 } = await open2.store.list();
    return { open: open2, byId: new Map(states.map((state) => [state.certificateId, state])), unreadable: unreadable2 };
  });
  stored.catch(() => void 0);
  const storeSlots = new Slots(STORE_CONCURRENCY);
  const outcomes = new Array(requests.length);
  const fold = async (index, result) => {
    if (result.error?.code === "INVALID_TARGET") return null;
    const { open: open2, byId: byId2 } = await stored;
    const previous = byId2.get(certificateIdForResult(result));
    return storeSlots.run(() => settle(previous, config.targets[index], result, config, open2));
  };
  const probing = checkTargets(requests, settings, {
    probe: deps.probe,
    now: () => deps.now,
    onProgress: deps.onProgress,
    onResult: (index, result) => {
      outcomes[index] = fold(index, result);
      outcomes[index].catch(() => void 0);
    },
    signal: stopProbing.signal
  });
  const results = await probing;
  const { open, writesBefore } = await opened;
  const byStatus = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  const tally = { sent: 0, pending: 0 };
  const invalidTargets = [];
  const publishFailures = [];
  const storeFailures = [];
  const conflicts = [];
  const { unreadable, byId } = await stored;
  const unreadableItems = unreadable.map((item) => ({ certificateId: item.key, message: item.reason }));
  const settled = await Promise.all(outcomes);
  for (const [index, result] of results.entries()) {
    byStatus[result.status]++;
    if (result.error?.code === "INVALID_TARGET") {
      invalidTargets.push({ certificateId: result.target, message: result.error.message });
      continue;
    }
    const outcome = settled[index];
    tally.sent += outcome.sent;
    tally.pending += outcome.pending;
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
  }
  try {
    const current = settled.flatMap((outcome) => outcome?.state ? [outcome.state] : []);
    tally.sent += (await deliverDigest(config, open, current, publishFailures)).sent;
  } catch (error) {
    if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
    else storeFailures.push({ certificateId: "certwatch#ledger", message: error.message });
  }
  const configured = new Set(results.flatMap((result) => result.error?.code === "INVALID_TARGET" ? [] : [certificateIdForResult(result)]));
  const notInConfig = [...byId.keys()].filter((certificateId) => !configured.has(certificateId)).sort();
  return {
    at,
    targets: results.length,
    byStatus,
    invalidTargets,
    notificationsSent: tally.sent,
    notificationsPending: tally.pending,
    publishFailures,
    storeFailures,
    unreadableItems,
    conflicts,
    notInConfig,
    storeWrites: open.store.writeCount - writesBefore
  };
}
async function settle(previous, watched, result, config, deps) {
  const certificateId = certificateIdForResult(result);
  const progress = { sent: 0, publishFailures: [] };
  try {
    return { ...await foldAndNotify(previous, certificateId, watched, result, config, deps, progress), ...progress };
  } catch (error) {
    const failure = error instanceof VersionConflictError ? { conflict: certificateId } : { storeFailure: { certificateId, message: error.message } };
    return { state: previous, pending: 0, ...progress, ...failure };
  }
}
async function foldAndNotify(previous, certificateId, watched, result, config, deps, progress) {
  const { state: folded } = observe(
    previous,
    { certificateId, source: "tls", target: result.target, owner: watched.owner, tags: watched.tags, result },
    config.policy,
    deps.now
  );
  const claimed = folded.pending.filter((n) => isClaimable(n, deps.now)).map((n) => n.id);
  let state = claimed.length > 0 ? withClaims(folded, claimed, deps.now.toISOString()) : folded;
  if (previous === void 0 || claimed.length > 0 || meaningfullyChanged(previous, state)) {
    state = await deps.store.put(state, previous?.version ?? 0);
  }
  if (claimed.length === 0) return { state, pending: state.pending.length };
  const delivered = /* @__PURE__ */ new Map();
  for (const notification of state.pending.filter((n) => claimed.includes(n.id))) {
    try {
      delivered.set(notification.id, (await deps.notifier.publish(notification)).messageId);
      progress.sent++;
    } catch (error) {
      progress.publishFailures.push({ certificateId, message: `notification ${notification.id}: ${error.message}` });
    }
  }
  const recorded = await recordDelivery(deps.store, state, claimed, delivered, deps.now);
  return { state: recorded, pending: recorded.pending.length };
}
function isClaimable(notification, now) {
  return !notification.claimedAt || now.getTime() - Date.parse(notification.claimedAt) >= CLAIM_LEASE_MS;
}
function withClaims(state, ids, claimedAt) {
  return { ...state, pending: state.pending.map((n) => ids.includes(n.id) ? { ...n, claimedAt } : n) };
}
function releaseClaims(state, ids) {
  return { ...state, pending: state.pending.map(({ claimedAt, ...n }) => ids.includes(n.id) ? n : { ...n, claimedAt }) };
}
async function recordDelivery(store, claimedState, claimed, delivered, now) {
  let state = claimedState;
  for (let attempt = 1; ; attempt++) {
    let next = releaseClaims(state, claimed.filter((id) => !delivered.has(id)));
    for (const [id, messageId] of delivered) if (next.pending.some((n) => n.id === id)) next = markPublished(next, id, messageId, now);
    try {
      return await store.put(next, state.version);
    } catch (error) {
      const latest = error instanceof VersionConflictError && attempt < 3 ? await store.get(claimedState.certificateId) : void 0;
      if (!latest) throw error;
      state = latest;
    }
  }
}
async function deliverDigest(config, deps, states, publishFailures) {
  let ledger = await deps.store.getLedger();
  const lastRunAt = deps.now.toISOString();
  const digest = config.digest ? planDigest(states, config.policy, deps.now, config.digest) : null;
  const claimable = digest && digest.id !== ledger.digestSentFor && (!ledger.digestClaim || deps.now.getTime() - Date.parse(ledger.digestClaim.claimedAt) >= CLAIM_LEASE_MS);
  if (!digest || !claimable) {
    await deps.store.putLedger({ ...ledger, lastRunAt }, ledger.version);
    return { sent: 0 };
  }
  ledger = await deps.store.putLedger({ ...ledger, lastRunAt, digestClaim: { id: digest.id, claimedAt: lastRunAt } }, ledger.version);
  let next;
  try {
    await deps.notifier.publish(digest);
    next = { ...ledger, digestSentFor: digest.id, digestClaim: null };
  } catch (error) {
    publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${error.message}` });
    next = { ...ledger, digestClaim: null };
  }
  await deps.store.putLedger(next, ledger.version);
  return { sent: next.digestSentFor === digest.id ? 1 : 0 };
}
function meaningfullyChanged(before, after) {
  return !sameData({ ...before, lastCheckedAt: null, version: null }, { ...after, lastCheckedAt: null, version: null });
}
function sameData(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, index) => sameData(element, b[index]));
  }
  const aRecord = a;
  const bRecord = b;
  let members = 0;
  for (const key in aRecord) {
    if (aRecord[key] === void 0) continue;
    if (!sameData(aRecord[key], bRecord[key])) return false;
    members++;
  }
  for (const key in bRecord) if (bRecord[key] !== void 0) members--;
  return members === 0;
}
var STORE_CONCURRENCY, Slots, CLAIM_LEASE_MS;
var init_run_watch = __esm({
  "functions/use-cases/run-watch.ts"() {
    "use strict";
    init_check_targets();
    init_escalation();
    init_escalation_digest();
    init_ports();
    init_certificate_id();
    STORE_CONCURRENCY = 32;
    Slots = class {
      constructor(limit) {
        this.limit = limit;
      }
      limit;
      running = 0;
      waiting = [];
      async run(task) {
        if (this.running >= this.limit) await new Promise((start) => this.waiting.push(start));
        else this.running++;
        try {
          return await task();
        } finally {
          const nextTask = this.waiting.shift();
          if (nextTask) nextTask();
          else this.running--;
        }
      }
    };
    CLAIM_LEASE_MS = 10 * 6e4;
  }
});

// functions/use-cases/status-report.ts
function statusRow(state, now) {
  const lastSent = state.sent.at(-1);
  return {
    certificateId: state.certificateId,
    target: state.target,
    status: state.status,
    daysRemaining: state.certificate ? daysRemaining(new Date(state.certificate.notAfter), now) : null,
    notAfter: state.certificate?.notAfter ?? null,
    subject: state.certificate?.subject ?? null,
    stage: state.expiry.stage,
    rejectedFor: state.invalidAlert?.active ? rejectingCodes(state.certificate?.findings ?? []) : null,
    lastNotifiedAt: lastSent?.sentAt ?? null,
    acknowledged: describeAcknowledgements(state),
    consecutiveFailures: state.consecutiveFailures,
    lastError: state.lastError ? `${state.lastError.code}: ${state.lastError.message}` : null,
    pendingNotifications: state.pending.length
  };
}
function statusReport(states, now) {
  return states.map((state) => statusRow(state, now)).sort(soonestExpiryFirst);
}
function describeAcknowledgements(state) {
  const acks = [state.acknowledgement, state.errorAlert.acknowledgement, state.invalidAlert?.acknowledgement].filter((ack) => ack != null);
  if (acks.length === 0) return null;
  return acks.map((ack) => `${ack.stage}${ack.until ? ` until ${ack.until}` : ""}`).join(", ");
}
var init_status_report = __esm({
  "functions/use-cases/status-report.ts"() {
    "use strict";
    init_escalation();
    init_escalation_digest();
    init_judge();
  }
});

// functions/notify/text-limits.ts
function toAsciiLine(text2) {
  return asciiRun(text2).trim();
}
function asciiRun(text2) {
  const decomposed = stripControls(text2).normalize("NFKD").replace(new RegExp("\\p{M}", "gu"), "");
  let ascii = "";
  for (const char of decomposed) {
    if (char >= " " && char <= "~") ascii += char;
    else if (char === "	" || char === "\n" || char === "\r") ascii += " ";
    else ascii += TRANSLITERATIONS[char] ?? "";
  }
  return ascii.replace(/\s+/g, " ");
}
function toAsciiTarget(target) {
  if (/^[\x20-\x7E]*$/.test(target)) return target;
  const match = /^([a-z][a-z0-9+.-]*:\/\/)?([^:/[\]]+)(:\d+)?$/i.exec(target.trim());
  if (match) {
    const host = (0, import_node_url2.domainToASCII)(stripControls(match[2]));
    if (host) return `${match[1] ?? ""}${host}${match[3] ?? ""}`;
  }
  return toAsciiLine(target);
}
function toSmsText(text2) {
  return asciiRun(text2).replace(/[[\]{}\\|~^`]/g, (char) => GSM_SAFE[char]);
}
function ellipsizeMiddle(text2, width) {
  if (text2.length <= width) return text2;
  if (width <= 3) return text2.slice(0, Math.max(0, width));
  const keep = width - 3;
  const head = Math.floor(keep * 0.4);
  return `${text2.slice(0, head)}...${text2.slice(text2.length - (keep - head))}`;
}
function fitLine(before, flexible, after, max, minFlexible = 24) {
  const whole = before + flexible + after;
  if (whole.length <= max) return whole;
  const room = Math.max(minFlexible, max - before.length - after.length);
  const shortened = before + ellipsizeMiddle(flexible, room) + after;
  return shortened.length <= max ? shortened : `${shortened.slice(0, max - 3).trimEnd()}...`;
}
var import_node_url2, TRANSLITERATIONS, GSM_SAFE;
var init_text_limits = __esm({
  "functions/notify/text-limits.ts"() {
    "use strict";
    import_node_url2 = require("node:url");
    init_safe_text();
    TRANSLITERATIONS = {
      \u00DF: "ss",
      "\u1E9E": "SS",
      \u00E6: "ae",
      \u00C6: "AE",
      \u0153: "oe",
      \u0152: "OE",
      \u00F8: "o",
      \u00D8: "O",
      \u0142: "l",
      \u0141: "L",
      \u0111: "d",
      \u0110: "D",
      \u00F0: "d",
      \u00D0: "D",
      \u00FE: "th",
      \u00DE: "TH",
      \u0131: "i",
      \u0138: "k",
      \u014B: "ng",
      \u014A: "NG",
      "\u2018": "'",
      "\u2019": "'",
      "\u201A": "'",
      "\u201C": '"',
      "\u201D": '"',
      "\u201E": '"',
      "\u2013": "-",
      "\u2014": "-",
      "\u2212": "-",
      "\u2026": "...",
      "\xA0": " ",
      "\xAB": '"',
      "\xBB": '"',
      "\u2192": "->",
      "\xB7": "-"
    };
    GSM_SAFE = { "[": "(", "]": ")", "{": "(", "}": ")", "\\": "/", "|": "/", "~": "-", "^": "'", "`": "'" };
  }
});

// functions/notify/render-message.ts
function renderMessage(notification, now) {
  const view = toView(notification, now);
  const rendered = RENDERERS[notification.kind](view);
  return {
    subject: cutEnd(toAsciiLine(rendered.subject), SUBJECT_MAX_CHARS),
    sms: cutEnd(toSmsText(rendered.sms).trim(), SMS_MAX_CHARS),
    email: truncateUtf8(rendered.email, EMAIL_MAX_BYTES),
    default: truncateUtf8(rendered.default, DEFAULT_MAX_BYTES)
  };
}
function toView(n, now) {
  const target = clean(n.target);
  const certificate = n.certificate;
  const notAfterMs = certificate ? Date.parse(certificate.notAfter) : Number.NaN;
  const governingIndex = certificate ? certificate.chain.findIndex((cert) => cert.notAfter === certificate.notAfter) : -1;
  const governing = certificate && governingIndex >= 0 ? certificate.chain[governingIndex] : null;
  return {
    n,
    now,
    target,
    asciiTarget: toAsciiTarget(target),
    certificate,
    remainingMs: Number.isNaN(notAfterMs) ? n.daysRemaining === null ? null : n.daysRemaining * DAY_MS : notAfterMs - now.getTime(),
    governing,
    governingIsLeaf: governingIndex <= 0
  };
}
function renderExpiry(view) {
  const { n, certificate } = view;
  const label = n.stage.toUpperCase();
  const when = `${view.governingIsLeaf ? "" : "intermediate "}${shortWhen(view)}`;
  const which = view.governingIsLeaf ? "certificate" : "intermediate certificate";
  const headline = view.remainingMs !== null && view.remainingMs < 0 ? `${label}: the ${which} for ${view.target} expired ${longDuration(-view.remainingMs)} ago, on ${utcSeconds(certificate?.notAfter)}.` : `${label}: the ${which} for ${view.target} expires in ${view.remainingMs === null ? "an unknown time" : longDuration(view.remainingMs)}, on ${utcSeconds(certificate?.notAfter)}.`;
  const email = [
    headline,
    view.governingIsLeaf || !view.governing ? null : `It is the intermediate "${clip(view.governing.subject)}" that expires first, before the leaf.`,
    "",
    ...certificateSections(view),
    ...section("WHAT TO DO", renewalAdvice(view)),
    ...section("HOW TO ACKNOWLEDGE", acknowledgeLines(view)),
    ...footer(view)
  ];
  return {
    subject: fitLine(`[certwatch] ${label} `, view.asciiTarget, ` ${when}`, SUBJECT_MAX_CHARS),
    sms: fitLine(toSmsText(`CERTWATCH ${label} `), toSmsText(view.asciiTarget), toSmsText(` ${when}`), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`, `Stage: ${n.stage}, status: ${n.status}`, `Acknowledge: ${ackCommand(view)}`])
  };
}
function renewalAdvice(view) {
  const { target, governing } = view;
  const advice = [];
  if (!view.governingIsLeaf && governing) {
    advice.push(`The intermediate "${clip(governing.subject)}" expires first: install the current chain (intermediates) from your CA on every server behind ${target}; renewing the leaf alone keeps the old intermediate if the server is configured with it.`);
  } else if (isAcm(view.n.certificateId)) {
    advice.push("ACM-issued: check the renewal status in ACM (the DNS validation records must still exist and the certificate must be in use). Imported: re-import the renewed certificate into the same ARN.");
  } else {
    advice.push("Renew the certificate, or find out why automated renewal (certbot, cert-manager, your CA) has not replaced it.");
    advice.push(`Deploy it to every server behind ${target} and reload them.`);
  }
  advice.push(...findingAdvice(view.certificate?.findings ?? []));
  advice.push(`Verify: certwatch check ${shellQuote(view.target)}`);
  return numbered(advice);
}
function findingAdvice(findings) {
  return [...new Set(findings.map((finding) => FINDING_ADVICE[finding.code]).filter((text2) => text2 !== void 0))];
}
function renderRecovery(view) {
  const { n, certificate } = view;
  const fromError = n.stage === "error";
  const fromInvalid = n.stage === INVALID_STAGE;
  const stageNow = fromError || fromInvalid ? void 0 : n.stageNow;
  const problems = problemFindings(certificate);
  const broken = problems.some((finding) => finding.severity === "critical");
  const codes = [...new Set(problems.map((finding) => finding.code))].join(", ");
  const expires = certificate ? `${utcDate(certificate.notAfter)}${view.remainingMs === null || view.remainingMs < 0 ? "" : ` (in ${shortDuration(view.remainingMs)})`}` : "";
  const nowExpires = certificate ? `${n.replaced ? "was replaced and " : ""}now expires on ${utcSeconds(certificate.notAfter)}${leftClause(view)}` : "";
  const told = n.audiences.join(", ") || "nobody";
  const label = `${stageNow !== void 0 ? "EASED" : n.replaced && problems.length > 0 ? "REPLACED" : "RESOLVED"}${problems.length === 0 ? "" : broken ? " BUT BROKEN" : " WITH PROBLEMS"}`;
  const expiresClause = certificate ? `; the certificate expires on ${utcSeconds(certificate.notAfter)}${leftClause(view)}` : "";
  const headline = fromError ? `${label}: certwatch can check ${view.target} again${expiresClause}.` : fromInvalid ? `${label}: clients accept the certificate served by ${view.target} again${expiresClause}.` : stageNow !== void 0 ? `${label}: the certificate for ${view.target} ${nowExpires || "expires later"}, so it has moved down from the "${n.stage}" stage to "${stageNow}", which does not notify ${told}.` : `${label}: the "${n.stage}" alert for ${view.target} is over${certificate ? `: the certificate ${nowExpires}` : ""}.`;
  const which = fromError ? "it reads now" : n.replaced ? "that replaced it" : "served now";
  const problemLine = problems.length === 0 ? null : broken ? `But clients will refuse the certificate ${which}: ${codes}.` : `But the certificate ${which} has problems: ${codes}.`;
  const summary = problems.length > 0 ? `: ${codes}` : fromError ? ` reachable again${expires ? `, expires ${expires}` : ""}` : fromInvalid ? ` accepted by clients again${expires ? `, expires ${expires}` : ""}` : stageNow !== void 0 ? ` down to ${stageNow}${expires ? `, expires ${expires}` : ""}` : expires ? ` now expires ${expires}` : " alert resolved";
  const smsSummary = problems.length > 0 ? `${summary}. ${shortFixes(problems)}` : summary;
  const alertName = fromError ? '"error" probe failure alert' : fromInvalid ? `"${INVALID_STAGE}" alert (certificate rejected by clients)` : `"${n.stage}" expiry alert`;
  const closes = `This closes the ${alertName} sent earlier for ${view.target}`;
  const closing = stageNow !== void 0 ? `${closes} to ${told}: the "${stageNow}" stage's audiences keep getting its notices, and a later stage that notifies ${told} will notify them again.` : `${closes}.`;
  const whoAlerts = broken ? `certwatch also sends its "${INVALID_STAGE}" alert about a certificate clients refuse, and repeats it until the certificate is fixed or acknowledged.` : `certwatch does not alert on these problems by themselves${stageNow === void 0 ? ": its next notice about this certificate comes when it nears expiry or cannot be checked" : ""}.`;
  const whatToDo = problems.length > 0 ? [...numbered([...findingAdvice(problems), `Verify: certwatch check ${shellQuote(view.target)}`]), closing, whoAlerts] : [`${stageNow !== void 0 ? `Nothing for ${told}.` : "Nothing."} ${closing}`];
  const email = [
    headline,
    problemLine,
    "",
    ...certificateSections(view),
    ...section("WHAT TO DO", whatToDo),
    ...footer(view)
  ];
  return {
    subject: fitLine(`[certwatch] ${label} `, view.asciiTarget, summary, SUBJECT_MAX_CHARS),
    sms: fitLine(`CERTWATCH ${label} `, toSmsText(view.asciiTarget), toSmsText(smsSummary), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, problemLine, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`])
  };
}
function problemFindings(certificate) {
  return (certificate?.findings ?? []).filter((finding) => !EXPIRY_FINDING_CODES.has(finding.code));
}
function shortFixes(findings) {
  const fixes = [...new Set(findings.map((finding) => SHORT_FIX[finding.code]).filter((text2) => text2 !== void 0))];
  return fixes.length === 0 ? "Fix the certificate." : `Fix: ${fixes.join("; ")}.`;
}
function leftClause(view) {
  if (view.remainingMs === null) return "";
  return view.remainingMs < 0 ? ` (expired ${longDuration(-view.remainingMs)} ago)` : ` (in ${longDuration(view.remainingMs)})`;
}
function renderInvalid(view) {
  const { n, certificate } = view;
  const rejecting = rejectingFindings(certificate?.findings ?? []);
  const codes = rejectingCodes(rejecting);
  const codeList = codes.length > 0 ? codes.join(", ") : "see the findings";
  const headline = `INVALID: clients reject the certificate served by ${view.target}: ${codeList}.`;
  const reasons = rejecting.slice(0, MAX_LISTED_FINDINGS).map((finding) => `- ${finding.code}: ${clip(clean(finding.message))}`);
  if (rejecting.length > MAX_LISTED_FINDINGS) reasons.push(`... and ${rejecting.length - MAX_LISTED_FINDINGS} more`);
  const email = [
    headline,
    certificate ? `It is not about expiry: the certificate ${view.remainingMs !== null && view.remainingMs < 0 ? "expired" : "expires"} on ${utcSeconds(certificate.notAfter)}${leftClause(view)}, but browsers and API clients refuse the connection now.` : "Browsers and API clients refuse the connection now.",
    "",
    ...section("WHY CLIENTS REJECT IT", reasons.length > 0 ? reasons : ["see FINDINGS below"]),
    ...certificateSections(view),
    ...section("WHAT TO DO", numbered([...findingAdvice(rejecting), `Verify: certwatch check ${shellQuote(view.target)}`])),
    ...section("HOW TO ACKNOWLEDGE", acknowledgeLines(view)),
    ...footer(view)
  ];
  const subjects = codeVariants(codes).flatMap((list) => [` cert rejected by clients: ${list}`, ` rejected by clients: ${list}`]);
  const texts = codeVariants(codes).flatMap((list) => [` cert rejected by clients: ${list}. ${shortFixes(rejecting)}`, ` cert rejected by clients: ${list}`]);
  return {
    subject: fitFirst("[certwatch] INVALID ", view.asciiTarget, subjects, SUBJECT_MAX_CHARS),
    sms: fitFirst("CERTWATCH INVALID ", toSmsText(view.asciiTarget), texts.map(toSmsText), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`, `Acknowledge: ${ackCommand(view)}`])
  };
}
function codeVariants(codes) {
  if (codes.length === 0) return ["see the findings"];
  return codes.map((_, index) => {
    const shown = codes.slice(0, codes.length - index).join(", ");
    return index === 0 ? shown : `${shown} +${index} more`;
  });
}
function fitFirst(before, flexible, afters, max, minFlexible = 24) {
  const flexibleRoom = Math.min(flexible.length, minFlexible);
  const fitting = afters.find((after) => before.length + flexibleRoom + after.length <= max) ?? afters[afters.length - 1];
  return fitLine(before, flexible, fitting, max, minFlexible);
}
function renderError(view) {
  const { n, certificate } = view;
  const error = n.error ?? { code: "UNKNOWN_ERROR", message: "no error detail was recorded" };
  const code = toAsciiLine(error.code);
  const runs = n.consecutiveFailures === 1 ? "1 run" : `${n.consecutiveFailures} runs in a row`;
  const lastKnown = certificate ? `; last cert ${shortWhen(view)}` : "";
  const headline = `ERROR: certwatch cannot check ${view.target}: ${code} (${runs}).`;
  const email = [
    headline,
    certificate ? `The last certificate it read ${view.remainingMs !== null && view.remainingMs < 0 ? "expired" : "expires"} on ${utcSeconds(certificate.notAfter)}${leftClause(view)}.` : "certwatch has not read a certificate from this target yet, so its expiry date is unknown.",
    "",
    ...section("WHAT FAILED", [
      `Error:         ${code}: ${clip(clean(error.message))}`,
      `Failing:       ${runs}`
    ]),
    ...certificate ? certificateSections(view, "LAST KNOWN CERTIFICATE") : section("WHERE", whereLines(view)),
    ...section("WHAT TO DO", reachabilityAdvice(view, error)),
    ...section("HOW TO ACKNOWLEDGE", acknowledgeLines(view)),
    ...footer(view)
  ];
  return {
    subject: fitLine("[certwatch] ERROR ", view.asciiTarget, ` cannot be checked: ${code} (${runs})`, SUBJECT_MAX_CHARS),
    sms: fitLine("CERTWATCH ERROR ", toSmsText(view.asciiTarget), toSmsText(` ${code}, failing ${n.consecutiveFailures}x${lastKnown}`), SMS_MAX_CHARS),
    email: lines(email),
    default: lines([headline, `Target: ${view.target}`, `Certificate id: ${n.certificateId}`, `Acknowledge: ${ackCommand(view)}`])
  };
}
function reachabilityAdvice(view, error) {
  const { target } = view;
  const specific = {
    DNS_NOT_FOUND: `The name does not resolve: check its DNS record, or remove ${target} from the targets if it was retired.`,
    DNS_FAILED: "DNS resolution failed: check the resolver the watcher uses and the zone's name servers.",
    CONNECTION_REFUSED: "Nothing accepts connections on that port: check that the service is running and listening.",
    CONNECTION_RESET: "The connection was reset: check load balancers, proxies and the service's TLS configuration.",
    TIMEOUT: "No answer in time: check firewalls and security groups between the watcher and the target, and that the host is up.",
    TLS_HANDSHAKE_FAILED: "The TLS handshake failed: check protocol versions, ciphers and the SNI name the server expects.",
    STARTTLS_FAILED: "STARTTLS failed: check that the server offers STARTTLS on that port (or use direct TLS).",
    PROTOCOL_ERROR: "The server answered something unexpected: check that the port and the scheme match the service.",
    CA_FILE_UNREADABLE: "The CA file configured for this target cannot be read: check its path in the configuration.",
    INVALID_TARGET: "The target is not valid: fix it in the configuration."
  };
  const advice = [
    `Check that ${target} is reachable from the watcher: DNS, firewalls and security groups, and that the service is running.`,
    specific[error.code] ?? (error.code.startsWith("DNS_") ? "DNS resolution failed: check the record and the zone's name servers." : null),
    `Reproduce it: certwatch check ${shellQuote(target)}`
  ];
  return numbered(advice.filter((line) => line !== null));
}
function digestEntries(lines2, now) {
  return lines2.map((line) => {
    const parsed = line.notAfter === null ? Number.NaN : Date.parse(line.notAfter);
    const remainingMs = Number.isNaN(parsed) ? line.daysRemaining === null ? null : line.daysRemaining * DAY_MS : parsed - now.getTime();
    return { line, remainingMs };
  });
}
function renderDigest(view) {
  const entries = digestEntries(view.n.digest ?? [], view.now);
  const count = entries.length;
  const noun = count === 1 ? "certificate" : "certificates";
  const first = entries[0];
  const headline = count === 0 ? `certwatch digest for ${utcMinutes(view.now.toISOString())}: no certificate needs attention.` : `certwatch digest for ${utcMinutes(view.now.toISOString())}: ${count} ${noun} need${count === 1 ? "s" : ""} attention (inside the first stage, failing, or rejected by clients), soonest first.`;
  const body = [];
  let bytes = 0;
  for (const [index, entry] of entries.entries()) {
    const item = digestItem(index + 1, entry);
    bytes += Buffer.byteLength(item, "utf8");
    if (bytes > EMAIL_MAX_BYTES - 8e3) {
      body.push(`  ... and ${count - index} more (certwatch status lists them all)`);
      break;
    }
    body.push(item);
  }
  const email = [
    headline,
    "",
    ...count > 0 ? [...body, ""] : [],
    ...section("WHAT TO DO", count === 0 ? ["Nothing."] : [
      "Renew (or fix) and deploy the certificates above, soonest first; each also has its own alerts.",
      "Acknowledge one: certwatch ack <certificateId> [--until ISO-8601 time]",
      `or invoke the certwatch on-demand function with ${JSON.stringify({ action: "ack", certificateId: "<certificateId>", until: "<ISO-8601 time>" })}`
    ]),
    ...footer(view)
  ];
  return {
    subject: first ? fitLine(`[certwatch] Digest: ${count} ${noun}, soonest `, entryTarget(first), ` ${entryWhen(first)}`, SUBJECT_MAX_CHARS) : "[certwatch] Digest: no certificate needs attention",
    sms: digestSms(entries),
    email: lines(email),
    default: lines([headline, ...body.slice(0, 20)])
  };
}
function digestSms(entries) {
  const count = entries.length;
  const head = `CERTWATCH DIGEST ${count} ${count === 1 ? "cert" : "certs"}`;
  if (count === 0) return `${head}: none needs attention`;
  let text2 = `${head}:`;
  for (const [index, entry] of entries.entries()) {
    const rest = count - index - 1;
    const more = rest > 0 ? ` +${rest} more` : "";
    const candidate = `${text2} ${toSmsText(entryTarget(entry))} ${entryShort(entry)}${rest > 0 ? "," : ""}`;
    if (candidate.length + more.length <= SMS_MAX_CHARS) {
      text2 = candidate;
      continue;
    }
    if (index === 0) return fitLine(`${head}: `, toSmsText(entryTarget(entry)), ` ${entryShort(entry)}${more}`, SMS_MAX_CHARS);
    return `${text2.replace(/,$/, "")} +${count - index} more`;
  }
  return text2;
}
function entryTarget(entry) {
  return toAsciiTarget(clean(entry.line.target));
}
function digestItem(position, { line, remainingMs }) {
  const when = line.notAfter === null ? "expiry unknown" : remainingMs !== null && remainingMs < 0 ? `EXPIRED ${shortDuration(-remainingMs)} ago (${utcMinutes(line.notAfter)})` : `expires in ${shortDuration(remainingMs ?? 0)} (${utcMinutes(line.notAfter)})`;
  const rejected = line.rejectedFor && line.rejectedFor.length > 0 ? [`rejected by clients: ${line.rejectedFor.join(", ")}`] : [];
  const state = [`stage ${line.stage ?? "-"}`, `status ${line.status}`, ...rejected, ...line.acknowledged ? ["acknowledged"] : []].join(", ");
  return [
    `  ${position}. ${clip(clean(line.target))}  ${when}  [${state}]`,
    `     ${line.subject ? clip(clean(line.subject)) : "certificate not read yet"}  (id ${clean(line.certificateId)})`
  ].join("\n");
}
function entryWhen(entry) {
  if (entry.remainingMs === null) return "(expiry unknown)";
  return entry.remainingMs < 0 ? `expired ${shortDuration(-entry.remainingMs)} ago` : `in ${shortDuration(entry.remainingMs)}`;
}
function entryShort(entry) {
  if (entry.remainingMs === null) return "?";
  return entry.remainingMs < 0 ? `-${Math.ceil(-entry.remainingMs / DAY_MS)}d` : `${Math.floor(entry.remainingMs / DAY_MS)}d`;
}
function certificateSections(view, title = "WHAT") {
  const { certificate, n } = view;
  if (!certificate) return [...section("WHERE", whereLines(view)), ...section("WHEN", [`Days left:     ${n.daysRemaining ?? "unknown"} (certificate details not recorded)`])];
  const sans = certificate.sans.slice(0, MAX_LISTED_SANS).map((name) => clip(clean(name)));
  const sanTotal = Math.max(certificate.sanCount ?? 0, certificate.sans.length);
  const listed = sans.join(", ");
  const more = sanTotal > sans.length ? `, ... and ${sanTotal - sans.length} more` : "";
  const chain = certificate.chain.slice(0, MAX_LISTED_CHAIN).map((cert, index) => {
    const mark = cert === view.governing ? "  <- expires first" : "";
    return `  ${index + 1}. ${clip(clean(cert.subject))}  notAfter ${utcSeconds(cert.notAfter)}${cert.selfIssued ? "  (self-issued)" : ""}${mark}`;
  });
  if (certificate.chain.length > MAX_LISTED_CHAIN) chain.push(`  ... and ${certificate.chain.length - MAX_LISTED_CHAIN} more`);
  const findings = certificate.findings.slice(0, MAX_LISTED_FINDINGS).map((finding) => `  - [${finding.severity}] ${finding.code}: ${clip(clean(finding.message))}`);
  if (certificate.findings.length > MAX_LISTED_FINDINGS) findings.push(`  ... and ${certificate.findings.length - MAX_LISTED_FINDINGS} more`);
  return [
    ...section(title, [
      `Certificate:   ${clip(clean(certificate.subject))}`,
      `Names (SANs):  ${sanTotal === 0 ? "none" : `${listed}${more} (${sanTotal} in total)`}`,
      `Issuer:        ${clip(clean(certificate.issuer))}`,
      `Serial:        ${clip(clean(certificate.serialNumber))}`,
      `SHA-256:       ${clip(clean(certificate.fingerprintSha256))}`
    ]),
    ...section("WHERE", whereLines(view)),
    ...section("WHEN", [
      `Expires:       ${utcSeconds(certificate.notAfter)} (notAfter ${clean(certificate.notAfter)})`,
      `Time left:     ${view.remainingMs === null ? "unknown" : view.remainingMs < 0 ? `none: expired ${longDuration(-view.remainingMs)} ago` : longDuration(view.remainingMs)}`,
      `Valid from:    ${utcSeconds(certificate.notBefore)}`,
      n.kind !== "recovery" ? `Stage:         ${n.stage} (status ${n.status})` : n.stageNow !== void 0 && n.stage !== "error" ? `Alert:         "${n.stage}", eased to "${n.stageNow}" (status now ${n.status})` : `Alert:         "${n.stage}", resolved (status now ${n.status})`,
      `As of:         ${utcSeconds(view.now.toISOString())}`
    ]),
    ...chain.length > 0 ? [`CHAIN (leaf first)`, ...chain, ""] : [],
    // EXPIRES_SOON and EXPIRED are not stored (WHEN says the time left), so an expiring certificate may list none.
    ...findings.length > 0 ? ["FINDINGS", ...findings, ""] : section("FINDINGS", [n.kind === "expiry" ? "none besides the expiry (see WHEN)" : "none"])
  ];
}
function whereLines(view) {
  return [
    `Target:        ${view.target}`,
    `Certificate id: ${clean(view.n.certificateId)}`,
    ...view.n.owner ? [`Owner:         ${clip(clean(view.n.owner))}`] : []
  ];
}
function acknowledgeLines(view) {
  const until = snoozeExample(view.now);
  const alert = alertToAcknowledge(view.n);
  const payload = JSON.stringify({ action: "ack", certificateId: view.n.certificateId, ...alert ? { alert } : {}, until });
  const silences = {
    error: "Acknowledging silences the reminders for this probe failure.",
    invalid: "Acknowledging silences the reminders that clients reject this certificate (not the expiry notices); serving another certificate clears it.",
    expiry: `Acknowledging silences the "${view.n.stage}" reminders for this certificate; a later stage still notifies, and a replaced certificate clears it.`
  };
  const lasting = { error: "the probe recovers", invalid: "another certificate is served or clients accept it again", expiry: "the stage changes" };
  return [
    silences[alert ?? "expiry"],
    `CLI:     ${ackCommand(view)} --until ${until}`,
    `Lambda:  invoke the certwatch on-demand function with ${payload}`,
    `Leave out --until (and "until") to stay silent until ${lasting[alert ?? "expiry"]}.`
  ];
}
function alertToAcknowledge(n) {
  if (n.kind !== "error") return null;
  return n.stage === INVALID_STAGE ? "invalid" : "error";
}
function ackCommand(view) {
  const alert = alertToAcknowledge(view.n);
  return `certwatch ack ${shellQuote(view.n.certificateId)}${alert ? ` --alert ${alert}` : ""}`;
}
function footer(view) {
  const { n } = view;
  return ["--", `certwatch ${n.kind} notification ${clean(n.id)}, stage ${n.stage}, to ${n.audiences.join(", ") || "nobody"}, decided ${utcSeconds(n.decidedAt)}.`];
}
function section(title, body) {
  return [title, ...body.map((line) => line.startsWith("  ") ? line : `  ${line}`), ""];
}
function numbered(items) {
  return items.map((item, index) => `${index + 1}. ${item}`);
}
function lines(items) {
  return items.filter((line) => line !== null).join("\n").trimEnd() + "\n";
}
function shortWhen(view) {
  const at = view.certificate ? ` (${utcMinutes(view.certificate.notAfter)})` : "";
  if (view.remainingMs === null) return `expiry unknown${at}`;
  return view.remainingMs < 0 ? `expired ${shortDuration(-view.remainingMs)} ago${at}` : `expires in ${shortDuration(view.remainingMs)}${at}`;
}
function shortDuration(ms) {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor(ms % DAY_MS / HOUR_MS2);
  const minutes = Math.floor(ms % HOUR_MS2 / MINUTE_MS2);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m`;
}
function longDuration(ms) {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor(ms % DAY_MS / HOUR_MS2);
  const minutes = Math.floor(ms % HOUR_MS2 / MINUTE_MS2);
  const unit = (value, name) => `${value} ${name}${value === 1 ? "" : "s"}`;
  if (days > 0) return `${unit(days, "day")} ${unit(hours, "hour")}`;
  if (hours > 0) return `${unit(hours, "hour")} ${unit(minutes, "minute")}`;
  return unit(minutes, "minute");
}
function utcDate(iso) {
  return formatUtc(iso, 10).replace(/ UTC$/, "");
}
function utcMinutes(iso) {
  return formatUtc(iso, 16);
}
function utcSeconds(iso) {
  return formatUtc(iso, 19);
}
function formatUtc(iso, length) {
  if (!iso) return "an unknown date";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return clip(clean(iso));
  return `${new Date(ms).toISOString().slice(0, length).replace("T", " ")} UTC`;
}
function snoozeExample(now) {
  return new Date(now.getTime() + DAY_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
}
function shellQuote(text2) {
  return /^[A-Za-z0-9_:./@%+=,-]+$/.test(text2) ? text2 : `'${text2.replace(/'/g, `'\\''`)}'`;
}
function cutEnd(text2, max) {
  return text2.length <= max ? text2 : `${text2.slice(0, max - 3).trimEnd()}...`;
}
function isAcm(certificateId) {
  return /^arn:aws[a-z-]*:acm:/.test(certificateId);
}
function clean(text2) {
  return redactCredentials(stripControls(text2).replace(/[\r\n\t]+/g, " "));
}
function clip(text2) {
  return clipText(text2);
}
var SUBJECT_MAX_CHARS, SMS_MAX_CHARS, EMAIL_MAX_BYTES, DEFAULT_MAX_BYTES, MAX_LISTED_SANS, MAX_LISTED_CHAIN, MAX_LISTED_FINDINGS, HOUR_MS2, MINUTE_MS2, RENDERERS, FINDING_ADVICE, SHORT_FIX;
var init_render_message = __esm({
  "functions/notify/render-message.ts"() {
    "use strict";
    init_duration();
    init_escalation();
    init_duration();
    init_target();
    init_safe_text();
    init_text_limits();
    SUBJECT_MAX_CHARS = 99;
    SMS_MAX_CHARS = 140;
    EMAIL_MAX_BYTES = 1e5;
    DEFAULT_MAX_BYTES = 8e3;
    ({ sans: MAX_LISTED_SANS, chain: MAX_LISTED_CHAIN, findings: MAX_LISTED_FINDINGS } = DETAIL_LIMITS);
    HOUR_MS2 = parseDuration("1h");
    MINUTE_MS2 = parseDuration("1m");
    RENDERERS = {
      expiry: renderExpiry,
      recovery: renderRecovery,
      // Kind `error` carries both alerts about something wrong now: a probe that fails, and a certificate clients reject.
      error: (view) => view.n.stage === INVALID_STAGE ? renderInvalid(view) : renderError(view),
      digest: renderDigest
    };
    FINDING_ADVICE = {
      NOT_YET_VALID: "Not yet valid: check the server clock, and do not deploy a certificate before its notBefore.",
      HOSTNAME_MISMATCH: "Name mismatch: reissue the certificate with the name in its SANs, or check the SNI name (servername) the target uses.",
      SELF_SIGNED: "Self-signed: clients refuse it unless they pin it; use a certificate from a trusted CA.",
      UNTRUSTED_ROOT: "Untrusted root: if it is your private CA, give certwatch its root (--ca-file); otherwise use a publicly trusted CA.",
      INCOMPLETE_CHAIN: "Incomplete chain: configure the server to send the intermediate certificates (the full chain file).",
      CHAIN_INVALID: "Invalid chain: the served certificates do not verify; deploy the matching leaf, key and chain together.",
      WEAK_KEY: "Weak key: reissue with RSA 2048 bits or more, or ECDSA P-256 or better.",
      WEAK_SIGNATURE: "Weak signature: reissue with a SHA-256 (or stronger) signature.",
      RENEWAL_OVERDUE: "Renewal overdue: two thirds of the lifetime have passed without a replacement; check the automated renewal (logs, DNS/HTTP validation)."
    };
    SHORT_FIX = {
      NOT_YET_VALID: "check clocks and notBefore",
      HOSTNAME_MISMATCH: "reissue for this name",
      SELF_SIGNED: "use a CA-issued cert",
      UNTRUSTED_ROOT: "use a trusted CA",
      INCOMPLETE_CHAIN: "send intermediates",
      CHAIN_INVALID: "deploy the matching chain",
      WEAK_KEY: "reissue with a stronger key",
      WEAK_SIGNATURE: "reissue with SHA-256",
      RENEWAL_OVERDUE: "check the renewal"
    };
  }
});

// functions/notify/local-notifiers.ts
function notificationFileLine(notification, now) {
  const { subject, email, sms } = renderMessage(notification, now);
  return {
    kind: notification.kind,
    stage: notification.stage,
    audiences: notification.audiences,
    certificateId: notification.certificateId,
    target: redactCredentials(notification.target),
    daysRemaining: notification.daysRemaining,
    subject,
    email,
    sms,
    at: notification.decidedAt
  };
}
var import_promises, FileNotifier, ConsoleNotifier;
var init_local_notifiers = __esm({
  "functions/notify/local-notifiers.ts"() {
    "use strict";
    import_promises = require("node:fs/promises");
    init_render_message();
    init_target();
    FileNotifier = class {
      constructor(path, options = {}) {
        this.path = path;
        this.now = options.now ?? (() => /* @__PURE__ */ new Date());
      }
      path;
      now;
      async publish(notification) {
        await (0, import_promises.appendFile)(this.path, `${JSON.stringify(notificationFileLine(notification, this.now()))}
`, { encoding: "utf8", flag: "a" });
        return { messageId: `file:${notification.id}` };
      }
    };
    ConsoleNotifier = class {
      constructor(write, options = {}) {
        this.write = write;
        this.now = options.now ?? (() => /* @__PURE__ */ new Date());
      }
      write;
      now;
      async publish(notification) {
        const { subject, email, sms } = renderMessage(notification, this.now());
        const rule = "=".repeat(78);
        this.write(
          [
            rule,
            `${notification.kind.toUpperCase()} ${notification.stage} -> ${notification.audiences.join(", ") || "(no audience)"}`,
            `Subject: ${subject}`,
            `SMS:     ${sms}`,
            "-".repeat(78),
            email.trimEnd(),
            rule,
            ""
          ].join("\n")
        );
        return { messageId: `console:${notification.id}` };
      }
    };
  }
});

// functions/core/instant.ts
var import_zod2, INSTANT_RULE, isoInstant;
var init_instant = __esm({
  "functions/core/instant.ts"() {
    "use strict";
    import_zod2 = require("zod");
    INSTANT_RULE = "an ISO 8601 time with a zone, such as 2026-12-01T09:00:00Z or 2026-12-01T11:00:00+02:00";
    isoInstant = import_zod2.z.iso.datetime({ offset: true, message: `must be ${INSTANT_RULE}` });
  }
});

// functions/aws/sdk-client-config.ts
function sdkClientConfig(service, overrides = {}) {
  const config = {
    retryMode: overrides.retryMode ?? "adaptive",
    requestHandler: { ...SDK_TIMEOUTS, requestTimeout: overrides.requestTimeoutMs ?? SDK_TIMEOUTS.requestTimeout }
  };
  if (overrides.endpoint !== void 0) config.endpoint = validEndpoint(service, overrides.endpoint);
  if (overrides.region !== void 0) config.region = overrides.region;
  if (overrides.credentials !== void 0) config.credentials = overrides.credentials;
  if (overrides.maxAttempts !== void 0) {
    if (!Number.isInteger(overrides.maxAttempts) || overrides.maxAttempts < 1) {
      throw new Error(`${service} maxAttempts must be a whole number of at least 1, got ${overrides.maxAttempts}`);
    }
    config.maxAttempts = overrides.maxAttempts;
  }
  return config;
}
function withoutLoggerMiddleware(client) {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}
function validEndpoint(service, endpoint) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`${service} endpoint must be a URL such as http://127.0.0.1:8000, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${service} endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return endpoint;
}
var SDK_TIMEOUTS;
var init_sdk_client_config = __esm({
  "functions/aws/sdk-client-config.ts"() {
    "use strict";
    SDK_TIMEOUTS = { connectionTimeout: 3e3, requestTimeout: 3e4, throwOnRequestTimeout: true };
  }
});

// functions/store/dynamodb-client.ts
var dynamodb_client_exports = {};
__export(dynamodb_client_exports, {
  createDynamoDbClient: () => createDynamoDbClient
});
function createDynamoDbClient(overrides = {}) {
  return withoutLoggerMiddleware(new import_client_dynamodb.DynamoDBClient(sdkClientConfig("DynamoDB", overrides)));
}
var import_client_dynamodb;
var init_dynamodb_client = __esm({
  "functions/store/dynamodb-client.ts"() {
    "use strict";
    import_client_dynamodb = require("@aws-sdk/client-dynamodb");
    init_sdk_client_config();
  }
});

// functions/store/dynamodb-attribute-values.ts
function itemSizeBytes(item) {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, "utf8") + attributeValueSizeBytes(value);
  return size;
}
function attributeValueSizeBytes(value) {
  if (value.S !== void 0) return Buffer.byteLength(value.S, "utf8");
  if (value.N !== void 0) return Math.min(21, 2 + Math.ceil(significantDigits(value.N) / 2));
  if (value.BOOL !== void 0 || value.NULL !== void 0) return 1;
  if (value.L !== void 0) return value.L.reduce((sum, element) => sum + 1 + attributeValueSizeBytes(element), 3);
  if (value.M !== void 0) {
    return Object.entries(value.M).reduce((sum, [key, member]) => sum + 1 + Buffer.byteLength(key, "utf8") + attributeValueSizeBytes(member), 3);
  }
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}
function significantDigits(number) {
  const mantissa = number.replace(/^[-+]/, "").split(/[eE]/)[0].replace(".", "");
  return Math.max(1, mantissa.replace(/^0+/, "").replace(/0+$/, "").length);
}
var MAX_ITEM_BYTES;
var init_dynamodb_attribute_values = __esm({
  "functions/store/dynamodb-attribute-values.ts"() {
    "use strict";
    MAX_ITEM_BYTES = 400 * 1024;
  }
});

// functions/store/dynamodb-state-store.ts
var dynamodb_state_store_exports = {};
__export(dynamodb_state_store_exports, {
  DynamoDbStateStore: () => DynamoDbStateStore,
  LEDGER_KEY: () => LEDGER_KEY,
  PARTITION_KEY: () => PARTITION_KEY,
  StateStoreError: () => StateStoreError
});
function rawVersion(item) {
  const version = Number(item.version?.N);
  return Number.isInteger(version) && version >= 1 ? version : null;
}
function isConditionalCheckFailure(error) {
  return error instanceof import_client_dynamodb2.ConditionalCheckFailedException || error instanceof Error && error.name === "ConditionalCheckFailedException";
}
function legacyRecord(item) {
  const record = {};
  for (const [name, value] of Object.entries((0, import_util_dynamodb.unmarshall)(item))) if (!PROJECTION_NAMES.has(name)) record[name] = value;
  return record;
}
function finiteNumbersOnly(_key, value) {
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`Special numeric value ${value} is not allowed`);
  return value;
}
function describe2(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
var import_client_dynamodb2, import_util_dynamodb, PARTITION_KEY, LEDGER_KEY, BATCH_WRITE_ITEMS, BATCH_WRITE_ATTEMPTS, BATCH_RETRY_DELAY_MS, QUICK_ACTIVE_POLLS_MS, StateStoreError, STATE_ATTRIBUTE, PROJECTION_NAMES, DynamoDbStateStore;
var init_dynamodb_state_store = __esm({
  "functions/store/dynamodb-state-store.ts"() {
    "use strict";
    import_client_dynamodb2 = require("@aws-sdk/client-dynamodb");
    init_ports();
    import_util_dynamodb = require("@aws-sdk/util-dynamodb");
    init_dynamodb_attribute_values();
    PARTITION_KEY = "certificateId";
    LEDGER_KEY = "certwatch#ledger";
    BATCH_WRITE_ITEMS = 25;
    BATCH_WRITE_ATTEMPTS = 3;
    BATCH_RETRY_DELAY_MS = 50;
    QUICK_ACTIVE_POLLS_MS = [2, 5, 10, 20, 50, 100, 200];
    StateStoreError = class extends Error {
      constructor(message, options) {
        super(message, options);
        this.name = "StateStoreError";
      }
    };
    STATE_ATTRIBUTE = "state";
    PROJECTION_NAMES = /* @__PURE__ */ new Set(["stage", "notAfter", "updatedAt"]);
    DynamoDbStateStore = class {
      tableName;
      client;
      scanPageLimit;
      now;
      exclusive;
      batchLingerMs;
      writes = 0;
      /** Exclusive stores: every key the last complete listing saw (states, unreadable items, the ledger). */
      listedKeys = null;
      /** Keys this store has written since: never batch-created (again). */
      keysWritten = /* @__PURE__ */ new Set();
      /** Keys queued or in a batch request: a second create of one is a conflict, not a second batched write. */
      queuedKeys = /* @__PURE__ */ new Set();
      queue = [];
      lingerTimer = null;
      constructor(options) {
        if (!options.tableName) throw new Error("DynamoDbStateStore needs a table name");
        if (options.scanPageLimit !== void 0 && (!Number.isInteger(options.scanPageLimit) || options.scanPageLimit < 1)) {
          throw new Error(`scanPageLimit must be a whole number of at least 1, got ${options.scanPageLimit}`);
        }
        this.client = options.client;
        this.tableName = options.tableName;
        this.scanPageLimit = options.scanPageLimit;
        this.now = options.now ?? (() => /* @__PURE__ */ new Date());
        this.exclusive = options.exclusive ?? false;
        this.batchLingerMs = options.batchLingerMs ?? 0;
      }
      get writeCount() {
        return this.writes;
      }
      async get(certificateId) {
        try {
          const { Item } = await this.client.send(
            // Consistent: the version read here is the condition of the next write.
            new import_client_dynamodb2.GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: certificateId } }, ConsistentRead: true })
          );
          return Item ? this.itemToState(Item) : void 0;
        } catch (error) {
          throw this.failure("GetItem", error, certificateId);
        }
      }
      /** Every stored state, sorted by certificateId; an item that is not a readable state is skipped and listed. */
      async list() {
        const states = [];
        const unreadable = [];
        const keys = /* @__PURE__ */ new Set();
        let startKey;
        try {
          do {
            const page = await this.client.send(
              new import_client_dynamodb2.ScanCommand({ TableName: this.tableName, ConsistentRead: true, Limit: this.scanPageLimit, ExclusiveStartKey: startKey })
            );
            for (const item of page.Items ?? []) {
              const key = item[PARTITION_KEY]?.S;
              if (key !== void 0) keys.add(key);
              if (key === LEDGER_KEY) continue;
              try {
                states.push(this.itemToState(item));
              } catch (error) {
                unreadable.push({ key: item[PARTITION_KEY]?.S ?? "(no certificateId)", reason: error.message });
              }
            }
            startKey = page.LastEvaluatedKey;
          } while (startKey);
        } catch (error) {
          throw this.failure("Scan", error);
        }
        states.sort((a, b) => a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0);
        if (this.exclusive) this.listedKeys = keys;
        return { states, unreadable };
      }
      async getLedger() {
        try {
          const { Item } = await this.client.send(new import_client_dynamodb2.GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: LEDGER_KEY } }, ConsistentRead: true }));
          if (!Item) return EMPTY_LEDGER;
          const { lastRunAt = null, digestSentFor = null, digestClaim = null, version } = (0, import_util_dynamodb.unmarshall)(Item);
          return { lastRunAt, digestSentFor, digestClaim, version: version ?? 0 };
        } catch (error) {
          throw this.failure("GetItem", error, LEDGER_KEY);
        }
      }
      async putLedger(next, expectedVersion) {
        const stored = { ...next, version: expectedVersion + 1 };
        this.writes++;
        try {
          await this.client.send(
            new import_client_dynamodb2.PutItemCommand({ TableName: this.tableName, Item: (0, import_util_dynamodb.marshall)({ [PARTITION_KEY]: LEDGER_KEY, ...stored }), ...this.versionCondition(expectedVersion) })
          );
        } catch (error) {
          if (isConditionalCheckFailure(error)) throw new VersionConflictError(LEDGER_KEY);
          throw this.failure("PutItem", error, LEDGER_KEY);
        }
        return stored;
      }
      async put(next, expectedVersion) {
        if (!next.certificateId) throw new StateStoreError(`cannot store a state without a certificateId in table ${this.tableName}`);
        if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
          throw new StateStoreError(`expected version of ${next.certificateId} must be a whole number >= 0, got ${expectedVersion}`);
        }
        const stored = { ...next, version: expectedVersion + 1 };
        const item = this.stateToItem(stored);
        const size = itemSizeBytes(item);
        if (size > MAX_ITEM_BYTES) {
          throw new StateStoreError(
            `state of ${next.certificateId} would be a ${size}-byte item, over DynamoDB's ${MAX_ITEM_BYTES}-byte limit (table ${this.tableName}): pending ${next.pending.length}, sent ${next.sent.length}, history ${next.history.length} entries`
          );
        }
        if (expectedVersion === 0 && this.queuedKeys.has(next.certificateId)) throw new VersionConflictError(next.certificateId);
        if (expectedVersion === 0 && this.canBatchCreate(next.certificateId)) await this.queueCreate(next.certificateId, item);
        else await this.putItem(next.certificateId, item, expectedVersion);
        return stored;
      }
      async delete(certificateId, expectedVersion) {
        if (expectedVersion !== null && (!Number.isInteger(expectedVersion) || expectedVersion < 1)) {
          throw new StateStoreError(`expected version of ${certificateId} must be a whole number >= 1 to delete it, got ${expectedVersion}`);
        }
        const condition = expectedVersion === null ? { ConditionExpression: `attribute_exists(${PARTITION_KEY}) AND attribute_not_exists(#version)`, ExpressionAttributeNames: { "#version": "version" } } : this.versionCondition(expectedVersion);
        this.writes++;
        try {
          await this.client.send(new import_client_dynamodb2.DeleteItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: certificateId } }, ...condition }));
        } catch (error) {
          if (isConditionalCheckFailure(error)) throw new VersionConflictError(certificateId);
          throw this.failure("DeleteItem", error, certificateId);
        }
      }
      async putItem(certificateId, item, expectedVersion) {
        this.writes++;
        try {
          await this.client.send(new import_client_dynamodb2.PutItemCommand({ TableName: this.tableName, Item: item, ...this.versionCondition(expectedVersion) }));
          this.keysWritten.add(certificateId);
        } catch (error) {
          if (isConditionalCheckFailure(error)) throw new VersionConflictError(certificateId);
          throw this.failure("PutItem", error, certificateId);
        }
      }
      /** Exclusive, and absent from a complete listing and from everything written since: nobody else can create it. */
      canBatchCreate(certificateId) {
        return this.listedKeys !== null && !this.listedKeys.has(certificateId) && !this.keysWritten.has(certificateId);
      }
      /** Resolves once the item is written: a full batch goes at once, a partial one after the linger. */
      queueCreate(certificateId, item) {
        this.queuedKeys.add(certificateId);
        return new Promise((resolve3, reject) => {
          this.queue.push({
            certificateId,
            item,
            settle: (outcome) => {
              this.queuedKeys.delete(certificateId);
              if (outcome) return reject(outcome);
              this.keysWritten.add(certificateId);
              resolve3();
            }
          });
          if (this.queue.length >= BATCH_WRITE_ITEMS) this.flushQueue();
          else this.lingerTimer ??= setTimeout(() => this.flushQueue(), this.batchLingerMs);
        });
      }
      flushQueue() {
        if (this.lingerTimer) clearTimeout(this.lingerTimer);
        this.lingerTimer = null;
        while (this.queue.length > 0) void this.writeBatch(this.queue.splice(0, BATCH_WRITE_ITEMS));
      }
      /**
       * Writes the batch, retrying what DynamoDB leaves unprocessed; whatever still is, or a failed request's items,
       * is written one conditional PutItem each, so that each certificate succeeds or fails (naming itself) alone.
       * Settles every entry; never rejects.
       */
      async writeBatch(batch) {
        let left = batch;
        for (let attempt = 1; attempt <= BATCH_WRITE_ATTEMPTS && left.length > 0; attempt++) {
          if (attempt > 1) await new Promise((resume) => setTimeout(resume, BATCH_RETRY_DELAY_MS * 2 ** (attempt - 2)));
          this.writes++;
          let unprocessed;
          try {
            const { UnprocessedItems } = await this.client.send(
              new import_client_dynamodb2.BatchWriteItemCommand({ RequestItems: { [this.tableName]: left.map(({ item }) => ({ PutRequest: { Item: item } })) } })
            );
            unprocessed = new Set((UnprocessedItems?.[this.tableName] ?? []).map((request) => request.PutRequest?.Item?.[PARTITION_KEY]?.S));
          } catch {
            break;
          }
          for (const entry of left) if (!unprocessed.has(entry.certificateId)) entry.settle(null);
          left = left.filter((entry) => unprocessed.has(entry.certificateId));
        }
        await Promise.all(
          left.map(
            (entry) => this.putItem(entry.certificateId, entry.item, 0).then(
              () => entry.settle(null),
              (error) => entry.settle(error)
            )
          )
        );
      }
      /**
       * Creates the table (on-demand capacity) unless it exists, and waits until it is ACTIVE. Idempotent. For the
       * local run only: in AWS the table belongs to the CDK stack.
       */
      async ensureTable() {
        let operation = "DescribeTable";
        try {
          let table = await this.describeTable();
          if (table) {
            this.assertKeySchema(table);
          } else {
            operation = "CreateTable";
            try {
              const created = await this.client.send(
                new import_client_dynamodb2.CreateTableCommand({
                  TableName: this.tableName,
                  AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: "S" }],
                  KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: "HASH" }],
                  BillingMode: "PAY_PER_REQUEST"
                })
              );
              table = created.TableDescription;
            } catch (error) {
              if (!(error instanceof import_client_dynamodb2.ResourceInUseException)) throw error;
            }
          }
          if (table?.TableStatus !== "ACTIVE") {
            operation = "waiting for ACTIVE";
            if (!await this.activeWithin(QUICK_ACTIVE_POLLS_MS)) {
              await (0, import_client_dynamodb2.waitUntilTableExists)({ client: this.client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: this.tableName });
            }
          }
        } catch (error) {
          throw this.failure(operation, error);
        }
      }
      /**
       * Checks that a table someone else made (`--store dynamodb`) is usable before a run relies on it: it exists and
       * has certwatch's key. Without this, a table with another key fails every write on its own, one
       * ValidationException per certificate.
       */
      async verifyTable() {
        let table;
        try {
          table = await this.describeTable();
        } catch (error) {
          throw this.failure("DescribeTable", error);
        }
        if (!table) throw new StateStoreError(`DynamoDB table ${this.tableName} does not exist: deploy the certwatch stack, or name the table with --table or CERTWATCH_TABLE`);
        this.assertKeySchema(table);
      }
      /**
       * Whether the table turns ACTIVE within a few short polls. The embedded server activates a new table within
       * milliseconds, but often just after the SDK waiter's first look, which then sleeps a whole second (its
       * minimum delay) before looking again; that second was a third of a local first run over 1,000 targets.
       */
      async activeWithin(delaysMs) {
        for (const delayMs of delaysMs) {
          await new Promise((resume) => setTimeout(resume, delayMs));
          if ((await this.describeTable())?.TableStatus === "ACTIVE") return true;
        }
        return false;
      }
      /** Optimistic concurrency: create only if absent (version 0), else only over the version read. */
      versionCondition(expectedVersion) {
        return expectedVersion === 0 ? { ConditionExpression: `attribute_not_exists(${PARTITION_KEY})` } : {
          ConditionExpression: "#version = :expected",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":expected": { N: String(expectedVersion) } }
        };
      }
      async describeTable() {
        try {
          return (await this.client.send(new import_client_dynamodb2.DescribeTableCommand({ TableName: this.tableName }))).Table;
        } catch (error) {
          if (error instanceof import_client_dynamodb2.ResourceNotFoundException) return void 0;
          throw error;
        }
      }
      assertKeySchema(table) {
        const keys = table.KeySchema ?? [];
        const keyType = table.AttributeDefinitions?.find((d) => d.AttributeName === PARTITION_KEY)?.AttributeType;
        if (keys.length !== 1 || keys[0].AttributeName !== PARTITION_KEY || keys[0].KeyType !== "HASH" || keyType !== "S") {
          const found = keys.map((k) => `${k.AttributeName} (${k.KeyType})`).join(", ");
          throw new StateStoreError(`table ${this.tableName} exists with key ${found}, but certwatch needs partition key ${PARTITION_KEY} (S) alone`);
        }
      }
      stateToItem(state) {
        const { certificateId, version, ...rest } = state;
        let document;
        try {
          document = JSON.stringify(rest, finiteNumbersOnly);
        } catch (error) {
          throw new StateStoreError(`cannot store the state of ${certificateId} in table ${this.tableName}: ${describe2(error)}`, { cause: error });
        }
        return {
          [PARTITION_KEY]: { S: certificateId },
          version: { N: String(version) },
          status: { S: state.status },
          source: { S: state.source },
          target: { S: state.target },
          ...state.expiry.stage !== null ? { stage: { S: state.expiry.stage } } : {},
          ...state.certificate !== null ? { notAfter: { S: state.certificate.notAfter } } : {},
          updatedAt: { S: this.now().toISOString() },
          [STATE_ATTRIBUTE]: { S: document }
        };
      }
      itemToState(item) {
        const certificateId = item[PARTITION_KEY]?.S ?? "(no certificateId)";
        let record;
        try {
          const document = item[STATE_ATTRIBUTE]?.S;
          record = document === void 0 ? legacyRecord(item) : { ...JSON.parse(document), certificateId, version: Number(item.version?.N) };
        } catch (error) {
          throw new UnreadableStateError(certificateId, `item ${certificateId} in table ${this.tableName} is not a certwatch state: ${describe2(error)}`, rawVersion(item));
        }
        if (!Number.isInteger(record.version) || typeof record.status !== "string" || typeof record.expiry !== "object" || record.expiry === null) {
          throw new UnreadableStateError(certificateId, `item ${certificateId} in table ${this.tableName} is not a certwatch state (no version, status or expiry)`, rawVersion(item));
        }
        return record;
      }
      failure(operation, error, certificateId) {
        if (error instanceof StateStoreError || error instanceof UnreadableStateError) return error;
        const subject = certificateId === void 0 ? "" : ` for ${certificateId}`;
        return new StateStoreError(`DynamoDB ${operation} on table ${this.tableName}${subject} failed: ${describe2(error)}`, { cause: error });
      }
    };
  }
});

// functions/notify/sns-client.ts
function createSnsClient(overrides = {}) {
  return new import_client_sns.SNSClient(sdkClientConfig("SNS", overrides));
}
var import_client_sns;
var init_sns_client = __esm({
  "functions/notify/sns-client.ts"() {
    "use strict";
    import_client_sns = require("@aws-sdk/client-sns");
    init_sdk_client_config();
  }
});

// functions/notify/sns-notifier.ts
var sns_notifier_exports = {};
__export(sns_notifier_exports, {
  NotificationPublishError: () => NotificationPublishError,
  SNS_MESSAGE_MAX_BYTES: () => SNS_MESSAGE_MAX_BYTES,
  SnsNotifier: () => SnsNotifier,
  publishInput: () => publishInput
});
function publishInput(topicArn, notification, now) {
  const rendered = renderMessage(notification, now);
  const input = {
    TopicArn: topicArn,
    Subject: rendered.subject,
    MessageStructure: "json",
    Message: JSON.stringify({ default: rendered.default, email: rendered.email, sms: rendered.sms }),
    MessageAttributes: {
      kind: text(notification.kind),
      stage: text(notification.stage),
      status: text(notification.status),
      certificateId: text(notification.certificateId),
      audiences: { DataType: "String.Array", StringValue: JSON.stringify(notification.audiences) }
    }
  };
  const size = Buffer.byteLength(input.Message ?? "", "utf8") + attributeBytes(input.MessageAttributes ?? {});
  if (size > SNS_MESSAGE_MAX_BYTES) throw new NotificationPublishError(notification.id, "MessageTooLarge", false);
  return input;
}
function text(value) {
  return { DataType: "String", StringValue: value === "" ? "-" : value };
}
function attributeBytes(attributes) {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? "") + Buffer.byteLength(value.StringValue ?? ""),
    0
  );
}
function errorName(error) {
  return error instanceof Error && error.name ? error.name : "UnknownError";
}
function isRetryable(error) {
  if (typeof error !== "object" || error === null) return false;
  const { $retryable, $fault, name } = error;
  return Boolean($retryable) || $fault === "server" || typeof name === "string" && /Throttl/.test(name);
}
var import_client_sns2, SNS_MESSAGE_MAX_BYTES, NotificationPublishError, SnsNotifier;
var init_sns_notifier = __esm({
  "functions/notify/sns-notifier.ts"() {
    "use strict";
    import_client_sns2 = require("@aws-sdk/client-sns");
    init_render_message();
    init_sns_client();
    SNS_MESSAGE_MAX_BYTES = 262144;
    NotificationPublishError = class extends Error {
      constructor(notificationId2, code, retryable, options) {
        super(`could not publish notification ${notificationId2}: ${code}`, options);
        this.notificationId = notificationId2;
        this.code = code;
        this.retryable = retryable;
        this.name = "NotificationPublishError";
      }
      notificationId;
      code;
      retryable;
    };
    SnsNotifier = class {
      constructor(topicArn, options = {}) {
        this.topicArn = topicArn;
        this.client = options.client ?? createSnsClient();
        this.now = options.now ?? (() => /* @__PURE__ */ new Date());
      }
      topicArn;
      client;
      now;
      async publish(notification) {
        const input = publishInput(this.topicArn, notification, this.now());
        let messageId;
        try {
          ({ MessageId: messageId } = await this.client.send(new import_client_sns2.PublishCommand(input)));
        } catch (error) {
          throw new NotificationPublishError(notification.id, errorName(error), isRetryable(error), { cause: error });
        }
        if (!messageId) throw new NotificationPublishError(notification.id, "NoMessageId", true);
        return { messageId };
      }
    };
  }
});

// functions/cli/watch-wiring.ts
function loadDynamoDb() {
  const { createDynamoDbClient: createDynamoDbClient2 } = (init_dynamodb_client(), __toCommonJS(dynamodb_client_exports));
  const { DynamoDbStateStore: DynamoDbStateStore2 } = (init_dynamodb_state_store(), __toCommonJS(dynamodb_state_store_exports));
  return { createDynamoDbClient: createDynamoDbClient2, DynamoDbStateStore: DynamoDbStateStore2 };
}
async function openStore(store, table, env = process.env) {
  return (await startOpeningStore(store, table, { env })).ready;
}
async function startOpeningStore(store, table, options = {}) {
  const env = options.env ?? process.env;
  if (store === "dynamodb") {
    const { createDynamoDbClient: createDynamoDbClient2, DynamoDbStateStore: DynamoDbStateStore2 } = loadDynamoDb();
    const tableName = table ?? (env.CERTWATCH_TABLE?.trim() || DEFAULT_TABLE);
    const client = createDynamoDbClient2();
    const description2 = `DynamoDB table ${tableName}`;
    const opened = new DynamoDbStateStore2({ client, tableName });
    return opening(description2, checked(opened.verifyTable(), { store: opened, description: description2, close: async () => client.destroy() }, (reason) => reason));
  }
  const starting = options.thread ?? startEmbeddedDynamoDb({ path: store, preloadStateStore: true });
  let embedded;
  try {
    embedded = await starting;
  } catch (error) {
    if (error instanceof StoreDirectoryLockedError) throw new UsageError(error.message);
    throw new UsageError(`cannot open the local store ${store}: ${error.message}`);
  }
  const description = `local store ${embedded.path}`;
  const ready = embedded.openStateStore({ tableName: LOCAL_TABLE, exclusive: true }).then(
    (opened) => ({
      store: opened,
      description,
      close: async () => {
        await opened.close();
        await embedded.close();
      }
    }),
    async (error) => {
      await embedded.close();
      throw new UsageError(`cannot use the local store ${embedded.path}: ${error.message}`);
    }
  );
  return opening(description, ready);
}
async function checked(check, open, explain) {
  try {
    await check;
  } catch (error) {
    await open.close();
    throw new UsageError(explain(error.message));
  }
  return open;
}
function opening(description, ready) {
  ready.catch(() => void 0);
  return { description, ready, close: async () => (await ready.catch(() => void 0))?.close() };
}
function createNotifier(spec, options) {
  if (spec === "console") return new ConsoleNotifier(options.write, { now: options.now });
  if (spec.startsWith("file:") && spec.length > "file:".length) return new FileNotifier(spec.slice("file:".length), { now: options.now });
  if (spec === "sns") {
    const topicArn = options.topicArn ?? (options.env ?? process.env).CERTWATCH_TOPIC_ARN;
    if (!topicArn) throw new UsageError('--notify sns needs a topic: set "sns": { "topicArn": ... } in the config or CERTWATCH_TOPIC_ARN');
    const { SnsNotifier: SnsNotifier2 } = (init_sns_notifier(), __toCommonJS(sns_notifier_exports));
    return new SnsNotifier2(topicArn, { now: options.now });
  }
  throw new UsageError(`--notify must be console, file:PATH or sns (got "${spec}")`);
}
function parseInstant(flag, text2) {
  const parsed = isoInstant.safeParse(text2);
  if (!parsed.success) throw new UsageError(`${flag} must be ${INSTANT_RULE} (got "${text2}")`);
  return new Date(parsed.data);
}
var DEFAULT_TABLE, LOCAL_TABLE;
var init_watch_wiring = __esm({
  "functions/cli/watch-wiring.ts"() {
    "use strict";
    init_embedded_dynamodb();
    init_local_notifiers();
    init_instant();
    init_usage_error();
    DEFAULT_TABLE = "certwatch";
    LOCAL_TABLE = "certwatch";
  }
});

// functions/cli/watch-actions.ts
var watch_actions_exports = {};
__export(watch_actions_exports, {
  ackCommand: () => ackCommand2,
  forgetCommand: () => forgetCommand,
  normaliseCertificateId: () => normaliseCertificateId,
  runCommand: () => runCommand,
  statusCommand: () => statusCommand
});
async function runCommand(flags, io, setExitCode, thread) {
  const starting = startOpeningStore(flags.store, flags.table, { thread });
  starting.catch(() => void 0);
  let now;
  let config;
  let notifier;
  try {
    now = flags.now ? parseInstant("--now", flags.now) : /* @__PURE__ */ new Date();
    config = readConfig(flags.config);
    notifier = createNotifier(flags.notify, { topicArn: config.snsTopicArn, now: () => now, write: io.err });
  } catch (error) {
    await starting.then((opening3) => opening3.close(), () => void 0);
    throw error;
  }
  const opening2 = await starting;
  try {
    const progress = io.progress ? (done, total) => io.progress?.(`certwatch: probed ${done}/${total} targets`) : void 0;
    const store = opening2.ready.then((opened) => opened.store);
    const summary = await runWatch(config, { probe: new TlsProbe(), store, notifier, now, onProgress: progress });
    io.out(flags.json ? `${JSON.stringify(summary, null, 2)}
` : renderSummary(summary, opening2.description));
    const attention = summary.publishFailures.length + summary.storeFailures.length + summary.unreadableItems.length + summary.invalidTargets.length;
    setExitCode(attention > 0 ? 1 : 0);
  } finally {
    await opening2.close();
  }
}
async function statusCommand(flags, io) {
  const now = flags.now ? parseInstant("--now", flags.now) : /* @__PURE__ */ new Date();
  const opened = await openStore(flags.store, flags.table);
  try {
    const { states, unreadable } = await opened.store.list();
    for (const item of unreadable) io.err(`certwatch: skipped ${item.key}: ${item.reason}
`);
    const rows = statusReport(states, now);
    if (flags.json) {
      io.out(`${JSON.stringify(rows, null, 2)}
`);
    } else {
      const { lastRunAt } = await opened.store.getLedger();
      if (lastRunAt) io.out(`last run: ${lastRunAt.slice(0, 16).replace("T", " ")} UTC (${hoursAgo(lastRunAt, now)})
`);
      io.out(renderStatus(rows));
    }
  } finally {
    await opened.close();
  }
}
async function ackCommand2(id, flags, io) {
  const at = flags.now ? parseInstant("--now", flags.now) : /* @__PURE__ */ new Date();
  const until = flags.until ? parseInstant("--until", flags.until) : void 0;
  const certificateId = normaliseCertificateId("ack", id, flags.servername);
  const opened = await openStore(flags.store, flags.table);
  try {
    const { acknowledgement } = await acknowledgeCertificate(opened.store, certificateId, { at, alert: flags.alert, until, note: flags.note }).catch((error) => {
      if (error instanceof AcknowledgementError || error instanceof UnknownCertificateError) throw new UsageError(`ack: ${error.message}`);
      throw error;
    });
    const what = acknowledgement.stage === "error" ? "the probe-failure alert" : acknowledgement.stage === "invalid" ? "the invalid-certificate alert" : `stage ${acknowledgement.stage}`;
    io.out(`acknowledged ${what} of ${certificateId}${acknowledgement.until ? ` until ${acknowledgement.until}` : ""}
`);
  } finally {
    await opened.close();
  }
}
async function forgetCommand(id, flags, io) {
  const certificateId = normaliseCertificateId("forget", id, flags.servername);
  const opened = await openStore(flags.store, flags.table);
  try {
    const forgotten = await forgetCertificate(opened.store, certificateId).catch((error) => {
      if (error instanceof UnknownCertificateError) throw new UsageError(`forget: ${error.message}`);
      throw error;
    });
    if ("unreadable" in forgotten) {
      io.out(`forgot ${certificateId}: the unreadable item is deleted from the ${opened.description} (${forgotten.unreadable})
`);
      return;
    }
    const sent = forgotten.state.sent.length;
    io.out(
      `forgot ${certificateId}: its state, ${sent === 1 ? "1 notice" : `${sent} notices`} sent and its history are deleted from the ${opened.description}
a run whose config still lists it watches it again from scratch: remove it from the config too
`
    );
  } finally {
    await opened.close();
  }
}
function readConfig(file) {
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
function normaliseCertificateId(command, id, servername) {
  if (/^(tls:(?!\/\/)|acm:|arn:)/.test(id)) {
    if (servername !== void 0) throw new UsageError(`${command}: --servername goes with a target; the certificate id ${id} names its certificate already`);
    return id;
  }
  try {
    return certificateIdForTarget(id, servername);
  } catch (error) {
    if (error instanceof InvalidTargetError) throw new UsageError(`${command}: ${error.message}`);
    throw error;
  }
}
function renderStatus(rows) {
  if (rows.length === 0) return "no watched certificates yet: run `certwatch run` first\n";
  const header = ["CERTIFICATE", "STATUS", "DAYS", "NOT AFTER (UTC)", "STAGE", "LAST NOTICE (UTC)", "ACK"];
  const cells = rows.map((r) => [
    r.certificateId,
    r.status.toUpperCase() + (r.consecutiveFailures > 0 ? ` (${r.consecutiveFailures} failed)` : "") + (r.rejectedFor ? `, REJECTED (${r.rejectedFor.join(", ")})` : ""),
    r.daysRemaining === null ? "-" : String(r.daysRemaining),
    r.notAfter ? r.notAfter.slice(0, 16).replace("T", " ") : "-",
    r.stage ?? "-",
    r.lastNotifiedAt ? r.lastNotifiedAt.slice(0, 16).replace("T", " ") : "-",
    r.acknowledged ?? "-"
  ]);
  return renderColumns(header, cells).join("\n") + "\n";
}
function renderSummary(summary, where) {
  const statuses = Object.entries(summary.byStatus).filter(([, count]) => count > 0).map(([status, count]) => `${count} ${status}`).join(", ");
  const lines2 = [
    `certwatch run at ${summary.at}: ${summary.targets} targets (${statuses || "none"}), state in ${where}`,
    `notifications: ${summary.notificationsSent} sent, ${summary.notificationsPending} pending; store writes: ${summary.storeWrites}`,
    ...summary.invalidTargets.map((p) => `invalid target: ${p.message}`),
    ...summary.publishFailures.map((p) => `not delivered (retried next run): ${p.message}`),
    ...summary.storeFailures.map((p) => `not stored (retried next run): ${p.certificateId}: ${p.message}`),
    ...summary.unreadableItems.map((p) => `skipped an unreadable item: ${p.message} (\`certwatch forget ${p.certificateId}\` deletes it)`),
    ...summary.conflicts.map((id) => `skipped ${id}: another run changed it (or it was forgotten) at the same time`),
    ...notInConfigLines(summary.notInConfig)
  ];
  return lines2.map(terminalSafe).join("\n") + "\n";
}
function notInConfigLines(ids) {
  if (ids.length === 0) return [];
  const shown = ids.slice(0, NOT_IN_CONFIG_SHOWN);
  const more = ids.length > shown.length ? ` and ${ids.length - shown.length} more` : "";
  return [`not in this config, still in the store (${ids.length}): ${shown.join(", ")}${more}; \`certwatch forget <id>\` deletes one`];
}
function hoursAgo(iso, now) {
  const hours = Math.floor((now.getTime() - Date.parse(iso)) / 36e5);
  return hours < 1 ? "less than an hour ago" : hours < 48 ? `${hours} hours ago` : `${Math.floor(hours / 24)} days ago`;
}
var NOT_IN_CONFIG_SHOWN;
var init_watch_actions = __esm({
  "functions/cli/watch-actions.ts"() {
    "use strict";
    init_config();
    init_escalation();
    init_certificate_id();
    init_target();
    init_load_config_file();
    init_tls_probe();
    init_acknowledge_certificate();
    init_forget_certificate();
    init_run_watch();
    init_status_report();
    init_safe_text();
    init_render_table();
    init_usage_error();
    init_watch_wiring();
    NOT_IN_CONFIG_SHOWN = 5;
  }
});

// package.json
var require_package = __commonJS({
  "package.json"(exports2, module2) {
    module2.exports = {
      name: "certwatch",
      version: "0.1.0",
      private: true,
      description: "Serverless certificate expiry watcher: TLS/STARTTLS/ACM probes, escalating SNS alerts, CLI",
      license: "Apache-2.0",
      bin: {
        certwatch: "bin/certwatch.js"
      },
      engines: {
        node: ">=20"
      },
      overrides: {
        "unrs-resolver": "1.12.2"
      },
      scripts: {
        build: "node scripts/build.mjs",
        prepare: "npm run build",
        test: "npm run build && npm run typecheck && npm run lint && jest",
        typecheck: "tsc --noEmit -p .",
        lint: "eslint --max-warnings 0 .",
        jest: "jest",
        bench: "node bench/check-throughput.mjs",
        "bench:run": "node bench/run-overhead.mjs"
      },
      dependencies: {
        "@aws-lambda-powertools/logger": "2.36.0",
        "@aws-lambda-powertools/metrics": "2.36.0",
        "@aws-sdk/client-acm": "3.1162.0",
        "@aws-sdk/client-dynamodb": "3.1162.0",
        "@aws-sdk/client-sns": "3.1162.0",
        "@aws-sdk/util-dynamodb": "3.996.9",
        "@peculiar/x509": "2.2.0",
        commander: "14.0.3",
        dynalite: "4.0.0",
        "jsonc-parser": "3.3.1",
        "reflect-metadata": "0.2.2",
        zod: "4.6.7"
      },
      peerDependencies: {
        "aws-cdk-lib": "^2.276.0",
        constructs: "^10.8.1",
        esbuild: ">=0.21"
      },
      peerDependenciesMeta: {
        esbuild: {
          optional: true
        }
      },
      devDependencies: {
        "@smithy/types": "4.20.0",
        "@types/aws-lambda": "8.10.164",
        "@types/jest": "30.0.0",
        "@types/node": "20.19.43",
        "aws-cdk": "2.1148.1",
        "aws-cdk-lib": "2.276.0",
        "aws-sdk-client-mock": "4.1.0",
        "cdk-nag": "3.0.2",
        certwatch: "file:.",
        constructs: "10.8.1",
        esbuild: "0.28.2",
        eslint: "10.15.0",
        jest: "30.5.2",
        "ts-jest": "29.4.15",
        tsx: "4.23.15",
        typescript: "6.0.3",
        "typescript-eslint": "8.73.0"
      }
    };
  }
});

// functions/cli/main.ts
var main_exports = {};
__export(main_exports, {
  main: () => main
});
module.exports = __toCommonJS(main_exports);
var import_commander3 = require("commander");

// functions/cli/check-command.ts
var import_node_fs2 = require("node:fs");
init_check_result();
init_check_settings();

// functions/core/target-list.ts
function parseTargetList(text2) {
  return text2.split(/\r?\n/).map((line) => line.replace(/(^|\s)#.*$/, "").trim()).filter((line) => line !== "");
}

// functions/cli/check-command.ts
init_check_targets();
init_ports();
init_tls_probe();
init_trust_store();

// functions/cli/options.ts
var import_commander = require("commander");
function integerOption(flags, description, min, max, defaultValue) {
  const option = new import_commander.Option(flags, description).argParser((value) => {
    if (!/^\d+$/.test(value.trim())) throw new import_commander.InvalidArgumentError(`"${value}" is not a whole number`);
    const number = Number(value);
    if (number < min || number > max) throw new import_commander.InvalidArgumentError(`${number} is outside ${min}-${max}`);
    return number;
  });
  return defaultValue === void 0 ? option : option.default(defaultValue);
}
var DEFAULT_STORE_DIR = ".certwatch";
function addStoreOptions(command) {
  return command.option(
    "--store <dir|dynamodb>",
    'where state lives: a directory for the embedded store, or "dynamodb" for the DynamoDB API (table from --table, CERTWATCH_TABLE or "certwatch"; endpoint from AWS_ENDPOINT_URL_DYNAMODB or AWS)',
    DEFAULT_STORE_DIR
  ).option("--table <name>", "DynamoDB table name with --store dynamodb");
}
var INSTANT_HELP = "an ISO 8601 time with a zone, e.g. 2026-12-01T09:00:00Z (a bare date is refused)";
var ALERT_CHOICES = ["expiry", "error", "invalid"];

// functions/cli/check-command.ts
init_render_table();
init_usage_error();
function registerCheckCommand(program, io, setExitCode) {
  program.command("check").description("Connect to each target now, read the certificate chain it serves, judge it and report.").argument("[targets...]", "host, host:port, [v6addr]:port, https://host[:port][/path], or smtp:// imap:// pop3:// ftp:// postgres:// ldap:// xmpp:// for STARTTLS").option("--json", "print exactly one JSON array, one object per target, in input order").option("--servername <name>", "SNI name sent and the name verified (for targets given as IP addresses)").option("--ca-file <file>", "extra trust anchors (PEM) on top of Node's roots; repeatable", (value, previous = []) => [...previous, value]).addOption(integerOption("--warning-days <n>", "warning when fewer than n days remain", CHECK_LIMITS.days.min, CHECK_LIMITS.days.max, CHECK_DEFAULTS.warningDays)).addOption(integerOption("--critical-days <n>", "critical when fewer than n days remain", CHECK_LIMITS.days.min, CHECK_LIMITS.days.max, CHECK_DEFAULTS.criticalDays)).addOption(integerOption("--timeout-ms <n>", "time limit for the whole probe of one target, STARTTLS included", CHECK_LIMITS.timeoutMs.min, CHECK_LIMITS.timeoutMs.max, CHECK_DEFAULTS.timeoutMs)).addOption(integerOption("--concurrency <n>", "targets probed at once", CHECK_LIMITS.concurrency.min, CHECK_LIMITS.concurrency.max, CHECK_DEFAULTS.concurrency)).option("--targets-file <file>", "read targets from a file, one a line, # for comments").addHelpText(
    "after",
    "\nExit status: 0 ok, 1 warning, 2 critical or expired, 3 error or usage mistake.\nExamples:\n  certwatch check example.com\n  certwatch check --json --critical-days 14 10.0.0.5:8443 --servername api.internal\n  certwatch check smtp://mail.example.com:587 --targets-file targets.txt\n"
  ).action(async (targets, flags) => {
    const requests = [...targets, ...readTargetsFile(flags.targetsFile)].map((target) => ({ target }));
    if (requests.length === 0) throw new UsageError("check: no targets given (name them, or use --targets-file FILE)");
    if (flags.criticalDays > flags.warningDays) {
      throw new UsageError(`check: --critical-days (${flags.criticalDays}) must not exceed --warning-days (${flags.warningDays})`);
    }
    const settings = {
      warningDays: flags.warningDays,
      criticalDays: flags.criticalDays,
      timeoutMs: flags.timeoutMs,
      concurrency: flags.concurrency,
      servername: flags.servername,
      caFiles: flags.caFile ?? []
    };
    validateCaFiles(settings.caFiles ?? []);
    const results = await checkTargets(requests, settings, { probe: new TlsProbe(), now: () => /* @__PURE__ */ new Date() });
    io.out(flags.json ? JSON.stringify(results, null, 2) + "\n" : renderCheckTable(results, io.isTty));
    setExitCode(exitCodeFor(worstStatus(results.map((r) => r.status))));
  });
}
function readTargetsFile(file) {
  if (file === void 0) return [];
  try {
    return parseTargetList((0, import_node_fs2.readFileSync)(file, "utf8"));
  } catch (error) {
    throw new UsageError(`check: cannot read --targets-file ${file}: ${error.code ?? String(error)}`);
  }
}
function validateCaFiles(files) {
  if (files.length === 0) return;
  try {
    TrustStore.withCaFiles(files);
  } catch (error) {
    if (error instanceof ProbeError) throw new UsageError(`check: --ca-file: ${error.message}`);
    throw error;
  }
}

// functions/cli/watch-commands.ts
var import_commander2 = require("commander");
init_embedded_dynamodb();
var actions = () => (init_watch_actions(), __toCommonJS(watch_actions_exports));
function registerWatchCommands(program, io, setExitCode) {
  addStoreOptions(program.command("run")).description("One full watch cycle: probe every target, judge, remember, decide who must be told, notify.").option("--config <file>", "the config file", "certwatch.config.json").option("--now <iso>", `run as if it were this time (simulations, tests): ${INSTANT_HELP}`).option("--notify <console|file:PATH|sns>", "where notifications go", "console").option("--json", "print the run summary as JSON").addHelpText("after", "\nExit status: 0 the cycle completed and every notification was delivered; 1 it completed but something needs\nattention (a publish or store write failed and is retried next run, or a target is invalid); 3 a usage or config mistake.\n").action((flags) => {
    const thread = flags.store === "dynamodb" ? void 0 : startEmbeddedDynamoDb({ path: flags.store, preloadStateStore: true });
    thread?.catch(() => void 0);
    return actions().runCommand(flags, io, setExitCode, thread);
  });
  addStoreOptions(program.command("status")).description("List watched certificates, soonest expiry first, with stage and last notice.").option("--now <iso>", `count days left from this time: ${INSTANT_HELP}`).option("--json", "print a JSON array").action((flags) => actions().statusCommand(flags, io));
  addStoreOptions(program.command("ack")).description("Acknowledge an alert of a certificate (its expiry stage, probe failure, or rejected certificate): its repeats stop; the next stage still fires.").argument("<id>", "certificate id as `certwatch status` shows it (tls:host:port[/servername]), or the target as configured").option("--servername <name>", "with a target: the servername configured for it (targets sharing an address are told apart by it)").addOption(
    new import_commander2.Option("--alert <alert>", "which alert: the expiry stage, the probe-failure alert, or the certificate clients reject (default: the expiry stage if any, else the failure, else the rejection)").choices(
      ALERT_CHOICES
    )
  ).option("--until <iso>", `snooze until this time, then the alert repeats again: ${INSTANT_HELP}`).option("--note <text>", "why (kept in the history)").option("--now <iso>", `acknowledge as if it were this time: ${INSTANT_HELP}`).action((id, flags) => actions().ackCommand(id, flags, io));
  addStoreOptions(program.command("forget")).description("Delete a certificate's state, alerts and history: a target removed from the config (which `status` would list forever), or an unreadable item.").argument("<id>", "certificate id as `certwatch status` shows it (tls:host:port[/servername]), or the target as configured").option("--servername <name>", "with a target: the servername configured for it").addHelpText("after", "\nA run whose config still lists the target watches it again from scratch (first seen, nothing sent): remove it from the config first.\n").action((id, flags) => actions().forgetCommand(id, flags, io));
}

// functions/cli/cli-io.ts
function processIo() {
  return {
    out: (text2) => process.stdout.write(text2),
    err: (text2) => process.stderr.write(text2),
    isTty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    version: require_package().version,
    progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r${line}\x1B[K`) : void 0
  };
}

// functions/cli/main.ts
init_usage_error();
async function main(argv, io = processIo()) {
  let exitCode = 0;
  const program = new import_commander3.Command("certwatch").description("Watch TLS certificates before they expire: check endpoints now, or run the escalating watcher.").version(io.version, "-V, --version").configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text2, write) => write(`${text2.trimEnd()} (see --help)
`) }).exitOverride();
  registerCheckCommand(program, io, (code) => exitCode = code);
  registerWatchCommands(program, io, (code) => exitCode = code);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof import_commander3.CommanderError) {
      return error.exitCode === 0 ? 0 : 3;
    }
    if (error instanceof UsageError) {
      io.err(`certwatch: ${error.message}
`);
      return 3;
    }
    io.err(`certwatch: ${error?.message ?? String(error)}
`);
    if (process.env.CERTWATCH_DEBUG) io.err(`${error?.stack ?? ""}
`);
    return 3;
  }
}
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  main
});
//# sourceMappingURL=cli.js.map
