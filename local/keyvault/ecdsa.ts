// ECDSA on P-256 over a digest the caller has already hashed, as Key Vault's sign operation takes it. Node's crypto
// hashes whatever it signs, so the local Key Vault emulator signs with this (FIPS 186-5 section 6.4, SEC 1 4.1.3).

import { randomBytes } from "node:crypto";

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G: Jacobian = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  z: 1n,
};

/** A point in Jacobian coordinates (x/z², y/z³), so that adding points needs no inversion; z = 0 is infinity. */
type Jacobian = { readonly x: bigint; readonly y: bigint; readonly z: bigint };

const INFINITY: Jacobian = { x: 0n, y: 1n, z: 0n };

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function power(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

// Both moduli are prime, so Fermat's little theorem gives the inverse.
const inverse = (a: bigint, m: bigint) => power(a, m - 2n, m);

/** Doubling for a curve with a = -3, as P-256 is. */
function double(p: Jacobian): Jacobian {
  if (p.z === 0n || p.y === 0n) return INFINITY;
  const delta = (p.z * p.z) % P;
  const gamma = (p.y * p.y) % P;
  const beta = (p.x * gamma) % P;
  const alpha = mod(3n * (p.x - delta) * (p.x + delta), P);
  const x = mod(alpha * alpha - 8n * beta, P);
  const z = mod((p.y + p.z) ** 2n - gamma - delta, P);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma, P);
  return { x, y, z };
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const pz2 = (p.z * p.z) % P;
  const qz2 = (q.z * q.z) % P;
  const u1 = (p.x * qz2) % P;
  const u2 = (q.x * pz2) % P;
  const s1 = (((p.y * q.z) % P) * qz2) % P;
  const s2 = (((q.y * p.z) % P) * pz2) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const h2 = (h * h) % P;
  const h3 = (h * h2) % P;
  const u1h2 = (u1 * h2) % P;
  const x = mod(r * r - h3 - 2n * u1h2, P);
  const y = mod(r * (u1h2 - x) - s1 * h3, P);
  const z = (((h * p.z) % P) * q.z) % P;
  return { x, y, z };
}

/**
 * Multiples of the generator by each 4-bit digit at each of the 64 digit positions (v·16^i·G), made on first use:
 * k·G is then 64 additions, with no doubling, several times faster than double-and-add.
 */
let generatorTable: Jacobian[][] | undefined;

function generatorMultiples(): Jacobian[][] {
  if (generatorTable !== undefined) return generatorTable;
  const table: Jacobian[][] = [];
  let base = G;
  for (let i = 0; i < 64; i++) {
    const row = [INFINITY];
    for (let v = 1; v < 16; v++) row.push(add(row[v - 1] ?? INFINITY, base));
    table.push(row);
    base = double(double(double(double(base))));
  }
  generatorTable = table;
  return table;
}

function multiplyGenerator(k: bigint): Jacobian {
  const table = generatorMultiples();
  let result = INFINITY;
  for (let i = 0; i < 64; i++) {
    const digit = Number((k >> BigInt(4 * i)) & 15n);
    result = add(result, table[i]?.[digit] ?? INFINITY);
  }
  return result;
}

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
const to32Bytes = (n: bigint) => Buffer.from(n.toString(16).padStart(64, "0"), "hex");

/**
 * The ES256 signature of a SHA-256 digest with private scalar `d`: r and s, 32 bytes each. The nonce is random; a
 * digest of another length is refused, as Key Vault refuses it.
 */
export function signP256Digest(d: Uint8Array, digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new RangeError("ES256 signs a 32-byte SHA-256 digest.");
  const secret = toBigInt(d);
  const e = toBigInt(digest);
  for (;;) {
    const k = toBigInt(randomBytes(32));
    if (k === 0n || k >= N) continue;
    const point = multiplyGenerator(k);
    const zInverse = inverse(point.z, P);
    const x = (point.x * zInverse * zInverse) % P;
    const r = x % N;
    if (r === 0n) continue;
    const s = (inverse(k, N) * (e + r * secret)) % N;
    if (s === 0n) continue;
    return new Uint8Array(Buffer.concat([to32Bytes(r), to32Bytes(s)]));
  }
}
