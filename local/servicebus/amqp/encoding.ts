// Wire encodings particular to Service Bus: lock tokens as delivery tags in .NET GUID byte order, longs that
// arrive as numbers or 8-byte buffers, and .NET ticks for session lock times.
import rhea, { type Message } from "rhea";

/**
 * .NET's Guid.ToByteArray() order against RFC 4122 order: the first three fields are little-endian. Swapping them
 * is its own inverse, so the same reorder serves both directions. Every delivery and settlement converts one lock
 * token, so these work on hex text (one native conversion each way) rather than byte by byte.
 */
function swapGuidOrder(hex: string): string {
  return (
    hex.slice(6, 8) +
    hex.slice(4, 6) +
    hex.slice(2, 4) +
    hex.slice(0, 2) +
    hex.slice(10, 12) +
    hex.slice(8, 10) +
    hex.slice(14, 16) +
    hex.slice(12, 14) +
    hex.slice(16)
  );
}

/** 32 hex digits as a GUID's text: 8-4-4-4-12, lower case. */
function guidText(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The delivery tag for a lock token: the SDK reads the tag as a .NET Guid.ToByteArray(). */
export function lockTokenToTag(lockToken: string): Buffer {
  if (!GUID_TEXT.test(lockToken)) throw new TypeError(`Not a lock token: ${lockToken}`);
  return Buffer.from(swapGuidOrder(lockToken.replaceAll("-", "")), "hex");
}

export function tagToLockToken(tag: Buffer | string): string | undefined {
  if (typeof tag === "string" || tag.length !== 16) return undefined;
  return guidText(swapGuidOrder(tag.toString("hex")));
}

/** A lock token sent over $management: an AMQP uuid, decoded by rhea as 16 bytes in RFC order. */
export function uuidText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value) && value.length === 16) return rhea.uuid_to_string(value);
  return undefined;
}

/** A long from the wire: rhea gives a number when it fits, otherwise the 8 big-endian bytes. */
export function longValue(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0));
  return undefined;
}

export function wrapLong(value: number): unknown {
  return rhea.types.wrap_long(value);
}

/** .NET ticks (100 ns since 0001-01-01) as an 8-byte long, which the SDK reads with Long.fromBytesBE. */
export function wrapTicks(ms: number): unknown {
  const ticks = BigInt(Math.round(ms)) * 10_000n + 621_355_968_000_000_000n;
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(ticks, 0);
  return rhea.types.wrap_long(bytes);
}

/** Decodes one encoded AMQP message (rhea's decode is typed with its own, narrower Message). */
export function decodeMessage(encoded: Buffer): Message {
  return rhea.message.decode(encoded) as unknown as Message;
}
