import * as asn1js from 'asn1js';

// Reading the ASN.1 structures of certificate containers (PKCS#7, PKCS#12) from untrusted bytes with asn1js: BER
// tolerant (Windows writes indefinite lengths), bounded, and giving each element's original bytes, so that a
// certificate is taken exactly as it was written (its fingerprint and signature depend on every byte).

export type DerNode = asn1js.AsnType;

/** The bytes are not the structure expected; the message says what was expected where. */
export class DerShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerShapeError';
  }
}

/** Limits for hostile input: a bundle of a few hundred certificates stays far below them. */
const PARSE_LIMITS = { maxDepth: 64, maxNodes: 2_000_000, parseEmbedded: false } as const;

const UNIVERSAL = 1;
const CONTEXT = 3;
const TAG = { integer: 2, octetString: 4, oid: 6, sequence: 16, set: 17 } as const;

/** Every element written one after another in `bytes` (usually one). Throws DerShapeError, only, on bytes that are not BER. */
export function parseElements(bytes: Uint8Array, what: string): DerNode[] {
  const nodes: DerNode[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    let parsed: ReturnType<typeof asn1js.fromBER>;
    try {
      parsed = asn1js.fromBER(bytes.subarray(offset), PARSE_LIMITS);
    } catch (error) {
      // asn1js reports most faults in the result, but throws for some (a GeneralizedTime that is not a time).
      throw new DerShapeError(`${what} is not valid DER/BER (${(error as Error).message})`);
    }
    if (parsed.offset === -1 || parsed.result.error) throw new DerShapeError(`${what} is not valid DER/BER (${parsed.result.error || 'unreadable'})`);
    nodes.push(parsed.result);
    offset += parsed.offset;
  }
  if (nodes.length === 0) throw new DerShapeError(`${what} is empty`);
  return nodes;
}

/** The one element `bytes` holds. */
export function parseElement(bytes: Uint8Array, what: string): DerNode {
  const [node, ...rest] = parseElements(bytes, what);
  if (rest.length > 0) throw new DerShapeError(`${what} has data after its end`);
  return node;
}

/** The original bytes of an element, tag and length included. */
export function rawBytes(node: DerNode): Uint8Array {
  return node.valueBeforeDecodeView;
}

export function isSequence(node: DerNode | undefined): node is DerNode {
  return node !== undefined && node.idBlock.tagClass === UNIVERSAL && node.idBlock.tagNumber === TAG.sequence && node.idBlock.isConstructed;
}

/** A context-specific element `[tag]`. */
export function isContextTag(node: DerNode | undefined, tag: number): node is DerNode {
  return node !== undefined && node.idBlock.tagClass === CONTEXT && node.idBlock.tagNumber === tag;
}

/**
 * The readers below take a node that may be missing (`const [a, b] = childrenOf(...)` on a structure cut short): a
 * hostile file gets the shape error that names what is missing, not a TypeError.
 */
function present(node: DerNode | undefined, what: string): DerNode {
  if (node === undefined) throw new DerShapeError(`${what} is missing`);
  return node;
}

/** The elements inside a constructed element (SEQUENCE, SET, an explicit [n]). */
export function childrenOf(given: DerNode | undefined, what: string): DerNode[] {
  const node = present(given, what);
  const value = (node.valueBlock as unknown as { value?: unknown }).value;
  if (!node.idBlock.isConstructed || !Array.isArray(value)) throw new DerShapeError(`${what} should be a constructed element`);
  return value as DerNode[];
}

/** Child `index` of a constructed element, required. */
export function childAt(node: DerNode | undefined, index: number, what: string): DerNode {
  const child = childrenOf(node, what)[index];
  if (child === undefined) throw new DerShapeError(`${what} is missing element ${index + 1}`);
  return child;
}

/** The content of an explicit `[tag]` wrapper. */
export function explicit(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!isContextTag(present(node, what), tag)) throw new DerShapeError(`${what} should be tagged [${tag}]`);
  return childAt(node, 0, what);
}

/** An OBJECT IDENTIFIER in dotted form. */
export function oidOf(given: DerNode | undefined, what: string): string {
  const node = present(given, what);
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new DerShapeError(`${what} should be an object identifier`);
  return node.getValue();
}

/** A small non-negative INTEGER (versions, iteration counts). */
export function integerOf(given: DerNode | undefined, what: string): number {
  const node = present(given, what);
  if (!(node instanceof asn1js.Integer)) throw new DerShapeError(`${what} should be an integer`);
  // valueDec reads 0 for four bytes and more: the big integer is exact.
  const value = node.toBigInt();
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DerShapeError(`${what} is out of range`);
  return Number(value);
}

/**
 * The content octets of an OCTET STRING, or of an implicitly tagged one (`[0] IMPLICIT OCTET STRING`), joining the
 * chunks of a constructed (BER) one.
 */
export function octetsOf(given: DerNode | undefined, what: string): Uint8Array {
  const node = present(given, what);
  const implicitOrUniversal = node.idBlock.tagClass === CONTEXT || (node.idBlock.tagClass === UNIVERSAL && node.idBlock.tagNumber === TAG.octetString);
  if (!implicitOrUniversal) throw new DerShapeError(`${what} should be an octet string`);
  if (!node.idBlock.isConstructed) return (node.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView;
  return concat(childrenOf(node, what).map((chunk) => octetsOf(chunk, what)));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
