// X.509 chains as OpenID4VP carries them in `x5c` (RFC 7515 section 4.1.6: base64 DER, leaf first): the
// verifier's own, read from its settings, and an issuer's, checked up to the trust anchors the operator configured
// (HAIP 1.0 section 6.1.1). node:crypto parses and checks the certificates; nothing here reads ASN.1 itself.
import { createHash, X509Certificate } from "node:crypto";
import { base64url } from "jose";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/g;

/** Every certificate in PEM text, in order; throws when there is none or one cannot be parsed. */
export function certificatesOfPem(pem: string, what: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${what} holds no PEM certificate.`);
  return blocks.map((block) => new X509Certificate(block));
}

/** A chain as `x5c` carries it: standard base64 (not base64url) of each certificate's DER, leaf first. */
export function x5cOf(chain: readonly X509Certificate[]): string[] {
  return chain.map((certificate) => certificate.raw.toString("base64"));
}

/** OpenID4VP 1.0 section 5.9.3: `x509_hash:` and the base64url SHA-256 of the leaf certificate's DER. */
export function x509HashClientId(leaf: X509Certificate): string {
  return `x509_hash:${base64url.encode(createHash("sha256").update(leaf.raw).digest())}`;
}

export type ChainCheck =
  | { readonly ok: true; readonly leaf: X509Certificate }
  | { readonly ok: false; readonly reason: string };

const isSelfSigned = (certificate: X509Certificate) =>
  certificate.checkIssued(certificate) !== false && certificate.verify(certificate.publicKey);

/**
 * Checks an `x5c` header up to one of `roots`: every certificate inside its validity period at `now`, each signed
 * by the next, the last signed by a root, every issuer a CA, and the root itself absent (HAIP 1.0 section 6.1.1:
 * the trust anchor is never in `x5c`, and a self-signed certificate there would anchor itself).
 */
export function checkChain(x5c: unknown, roots: readonly X509Certificate[], now: Date): ChainCheck {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 5) {
    return { ok: false, reason: "x5c must hold one to five certificates" };
  }
  let chain: X509Certificate[];
  try {
    chain = x5c.map((entry) => {
      if (typeof entry !== "string") throw new TypeError("not a string");
      return new X509Certificate(Buffer.from(entry, "base64"));
    });
  } catch {
    return { ok: false, reason: "x5c holds something that is not a certificate" };
  }
  for (const certificate of chain) {
    if (isSelfSigned(certificate)) return { ok: false, reason: "x5c holds a self-signed certificate" };
    if (
      Date.parse(certificate.validFrom) > now.getTime() ||
      Date.parse(certificate.validTo) <= now.getTime()
    ) {
      return { ok: false, reason: "a certificate in x5c is outside its validity period" };
    }
  }
  for (let index = 0; index + 1 < chain.length; index++) {
    const [child, parent] = [chain[index], chain[index + 1]];
    if (child === undefined || parent === undefined || !signs(parent, child)) {
      return { ok: false, reason: "the certificates in x5c do not form a chain" };
    }
  }
  const top = chain[chain.length - 1];
  const anchored = top !== undefined && roots.some((root) => signs(root, top));
  if (!anchored) return { ok: false, reason: "x5c does not chain to a trusted root" };
  const [leaf] = chain;
  if (leaf === undefined || leaf.ca) return { ok: false, reason: "the x5c leaf is a CA certificate" };
  return { ok: true, leaf };
}

/** Checks an `x5c` against fixed roots at a time; see cachedChainCheck. */
export type ChainChecker = (x5c: unknown, now: Date) => ChainCheck;

/** How many distinct chains a checker remembers: issuers are few, and each signs with one chain at a time. */
const CHAIN_CACHE_ENTRIES = 64;

/**
 * checkChain for fixed roots, remembering each chain it accepted: an issuer signs every credential with the same
 * `x5c`, so parsing it and checking its signatures once is enough. A remembered chain is still held to its
 * certificates' validity periods at every use; a refused one is checked afresh every time.
 */
export function cachedChainCheck(roots: readonly X509Certificate[]): ChainChecker {
  const accepted = new Map<string, { leaf: X509Certificate; from: number; to: number }>();
  return (x5c, now) => {
    const key =
      Array.isArray(x5c) && x5c.every((entry) => typeof entry === "string") ? x5c.join(".") : undefined;
    const known = key === undefined ? undefined : accepted.get(key);
    if (known !== undefined && known.from <= now.getTime() && now.getTime() < known.to) {
      return { ok: true, leaf: known.leaf };
    }
    const checked = checkChain(x5c, roots, now);
    if (checked.ok && key !== undefined) {
      if (accepted.size >= CHAIN_CACHE_ENTRIES) accepted.delete(accepted.keys().next().value ?? "");
      const chain = (x5c as string[]).map((entry) => new X509Certificate(Buffer.from(entry, "base64")));
      const from = Math.max(...chain.map((certificate) => Date.parse(certificate.validFrom)));
      const to = Math.min(...chain.map((certificate) => Date.parse(certificate.validTo)));
      accepted.set(key, { leaf: checked.leaf, from, to });
    }
    return checked;
  };
}

/** Whether `parent` is a CA certificate that issued and signed `child`. */
function signs(parent: X509Certificate, child: X509Certificate): boolean {
  return parent.ca && child.checkIssued(parent) && child.verify(parent.publicKey);
}

/**
 * Whether the leaf names the issuer URL: SD-JWT VC section 3.5 wants `iss` to match a SAN of the leaf (a
 * uniformResourceIdentifier, or a dNSName equal to the URL's host).
 */
export function leafNamesIssuer(leaf: X509Certificate, iss: string): boolean {
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    return false;
  }
  if (url.protocol !== "https:") return false;
  const names = (leaf.subjectAltName ?? "").split(", ");
  return names.includes(`URI:${iss}`) || leaf.checkHost(url.hostname, { subject: "never" }) === url.hostname;
}
