// The verifier certificate's request (PKCS #10) for the OpenID4VP request key: signed in Key Vault, so the private key
// never leaves the vault, and naming the vault key's public key, so the certificate a CA issues for it is the key's.
// Before @peculiar/x509 loads: it needs Reflect metadata functions at import time.
import "../local/openid4vp/reflectMetadata.js";
import { type KeyObject, webcrypto } from "node:crypto";
import {
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
} from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;

const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/** The request key as the service uses it: ES256 in Key Vault (r||s over SHA-256 of the input) and its public key. */
export type VaultRequestKey = {
  sign(input: Uint8Array): Promise<Uint8Array>;
  readonly publicKey: KeyObject;
};

export type CertificateRequestOptions = {
  /** The subject as an RFC 4514 string, e.g. "CN=Staff Passport verifier, O=NHS England, C=GB". */
  readonly subject: string;
  /** DNS names for the subject alternative name extension (none: no extension). */
  readonly dnsNames: readonly string[];
};

/** Throws unless the subject is a distinguished name with a common name (CAs name the certificate by it). */
export function checkSubject(subject: string): void {
  // @peculiar/x509 reads what is not a name as an empty one rather than failing.
  const parts = new Name(subject).toJSON();
  if (parts.length === 0) throw new Error("it names nothing");
  if (!parts.some((part) => (part.CN ?? []).some((value) => value.trim() !== ""))) {
    throw new Error("it has no CN");
  }
}

/**
 * Builds the certificate request and returns it as PEM. The public key is the vault key's; the signature over the
 * request is Key Vault's, reached through a WebCrypto whose sign() is the vault key's (r||s, as WebCrypto's ECDSA
 * answers, which @peculiar/x509 turns into the DER that PKCS #10 carries).
 */
export async function certificateRequestPem(
  key: VaultRequestKey,
  { subject, dnsNames }: CertificateRequestOptions,
): Promise<string> {
  const publicKey = await webcrypto.subtle.importKey(
    "spki",
    key.publicKey.export({ format: "der", type: "spki" }),
    EC_KEY,
    true,
    ["verify"],
  );
  // The private half stays in Key Vault: this stands in for it only so that @peculiar/x509 reads its algorithm, and
  // the WebCrypto below signs with the vault when asked to sign with it.
  const privateKey: CryptoKey = { algorithm: EC_KEY, extractable: false, type: "private", usages: ["sign"] };
  const extensions: Extension[] = [
    // A verifier certificate signs request objects and nothing else.
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
  ];
  if (dnsNames.length > 0) {
    extensions.push(new SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: "dns", value }))));
  }
  const request = await Pkcs10CertificateRequestGenerator.create(
    { name: subject, keys: { publicKey, privateKey }, signingAlgorithm: SIGNING, extensions },
    vaultSigningCrypto(privateKey, key),
  );
  return request.toString("pem");
}

/**
 * Node's WebCrypto, but for sign() with the stand-in key, which Key Vault does. Any other key or algorithm is refused
 * rather than signed with something else.
 */
function vaultSigningCrypto(standIn: CryptoKey, key: VaultRequestKey): webcrypto.Crypto {
  const sign = async (
    algorithm: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams,
    signingKey: CryptoKey,
    data: webcrypto.BufferSource,
  ): Promise<ArrayBuffer> => {
    const hash =
      typeof algorithm === "string" ? undefined : (algorithm as Partial<webcrypto.EcdsaParams>).hash;
    const hashName = typeof hash === "string" ? hash : hash?.name;
    if (signingKey !== standIn || hashName !== SIGNING.hash) {
      throw new Error("Only the vault key signs, with ECDSA over SHA-256.");
    }
    const signature = await key.sign(bytesOf(data));
    return signature.buffer.slice(
      signature.byteOffset,
      signature.byteOffset + signature.byteLength,
    ) as ArrayBuffer;
  };
  const subtle = new Proxy(webcrypto.subtle, {
    get(target, property) {
      if (property === "sign") return sign;
      const value: unknown = Reflect.get(target, property);
      // WebCrypto's methods check that `this` is the real SubtleCrypto.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(webcrypto, {
    get(target, property) {
      if (property === "subtle") return subtle;
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function bytesOf(data: webcrypto.BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
