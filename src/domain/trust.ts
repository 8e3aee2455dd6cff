// A trust in the directory: who it is, which access key it issues, where its share events go, and the public keys
// its own system signs its calls to the trust API with. The schema is the one shape both the seed and a document
// read from the directory must have.
import * as z from "zod";

/**
 * How a trust receives its share events, always as signed SETs over HTTPS: pushed to its RFC 8935 endpoint, or
 * fetched by the trust's own system from `POST /api/trust/events` (RFC 8936 poll). No trust reads Service Bus.
 */
export type TrustDelivery = { readonly mode: "push"; readonly endpoint: string } | { readonly mode: "poll" };

/** How a wallet presents credentials to the service (API.md section 9): Verified ID's Request Service, or OpenID4VP. */
export const PROTOCOLS = ["verifiedid", "openid4vp"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The protocols a trust offers, in its order; a trust that names none offers Verified ID only. */
export function protocolsOf(trust: Pick<Trust, "protocols">): readonly Protocol[] {
  return trust.protocols ?? ["verifiedid"];
}

export type Trust = {
  /** ODS-style organisation code, e.g. "RBH". */
  readonly id: string;
  readonly name: string;
  readonly active: boolean;
  /** The credential type of this trust's access key (see catalogue ACCESS_KEY_TYPE). */
  readonly accessKeyType: string;
  /** The DIDs that issue this trust's access keys; never empty. */
  readonly issuerDids: readonly [string, ...string[]];
  /** Where share events go; absent for a trust that receives none yet. */
  readonly delivery?: TrustDelivery;
  /** The public keys of the trust's system (API.md section 7): given here, or at `jwksUri`; at most one of them. */
  readonly jwks?: { readonly keys: readonly TrustPublicKey[] };
  /** Where the trust publishes its JWKS: https (http only on a loopback address). */
  readonly jwksUri?: string;
  /**
   * Set by an operator to pin the trust: the only hosts (exact, lower-case names) the service sends its pushes
   * to or reads its JWKS from, whatever URLs the trust gives. Absent: any host with public addresses.
   */
  readonly allowedHosts?: readonly string[];
  /** The protocols its portal offers; absent means `["verifiedid"]`. */
  readonly protocols?: readonly Protocol[];
  /**
   * The manifest URL of the trust's access key contract at Verified ID (`.../contracts/{contractId}/manifest`),
   * from which the trust API issues access keys (API.md section 10); absent: it cannot issue them yet.
   */
  readonly accessKeyManifest?: string;
};

/**
 * A P-256 public key in JWK form: the only kind a trust's ES256 tokens can be checked with, or, with `use: "enc"`,
 * the key its SETs are encrypted to (API.md section 8). A key is for one of the two, never both.
 */
export type TrustPublicKey = {
  readonly kty: "EC";
  readonly crv: "P-256";
  readonly x: string;
  readonly y: string;
  readonly kid?: string;
  readonly alg?: "ES256" | "ECDH-ES+A256KW";
  readonly use?: "sig" | "enc";
};

/** The JWE algorithms of a SET encrypted to a trust (API.md section 8): key agreement, then the content cipher. */
export const SET_KEY_MANAGEMENT = "ECDH-ES+A256KW";
export const SET_CONTENT_ENCRYPTION = "A256GCM";

/** A key the trust's SETs are encrypted to; every other key only verifies the trust's tokens. */
export const isEncryptionKey = (key: { readonly use?: string }) => key.use === "enc";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A push endpoint must be https (RFC 8935 section 5.3: TLS MUST be used), and so must the trust's JWKS, whose keys
 * decide who may act as the trust; plain http is allowed only on this machine, for the local demo trust.
 */
export function isHttpsOrLoopback(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username !== "" || url.password !== "") return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}

const did = z.string().regex(/^did:[a-z0-9]+:.+$/, "must be a DID");
const base64url = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be a 32-byte base64url coordinate");
/** A lower-case DNS name (or IPv4 address), as URL gives a host name, so that a pin compares as a string. */
const hostName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
    "must be a lower-case host name",
  );
const secureUrl = z.url().refine(isHttpsOrLoopback, "must be https (http only on a loopback address)");

/**
 * Strict, so that a private key (`d`) or a key of another kind is refused rather than carried along. An `alg` that
 * contradicts the key's `use` is refused too: an encryption key is marked `use: "enc"`, and nothing else is one.
 */
const trustPublicKey = z
  .strictObject({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: base64url,
    y: base64url,
    kid: z.string().min(1).max(200).exactOptional(),
    alg: z.enum(["ES256", SET_KEY_MANAGEMENT]).exactOptional(),
    use: z.enum(["sig", "enc"]).exactOptional(),
  })
  .refine((key) => key.alg === undefined || (key.alg === SET_KEY_MANAGEMENT) === isEncryptionKey(key), {
    message: `alg ES256 is for a signing key, ${SET_KEY_MANAGEMENT} for a key with use enc`,
    path: ["alg"],
  });

/** The fields of a trust; `delivery` is strict, so a misspelt delivery field is refused rather than ignored. */
export const trustFields = {
  id: z.string().regex(/^[A-Z0-9]{3,5}$/, "must be an ODS-style code"),
  name: z.string().min(1),
  active: z.boolean(),
  accessKeyType: z.string().min(1),
  issuerDids: z.tuple([did], did),
  delivery: z
    .discriminatedUnion("mode", [
      z.strictObject({
        mode: z.literal("push"),
        endpoint: secureUrl,
      }),
      z.strictObject({ mode: z.literal("poll") }),
      // Trusts once read their own Service Bus subscription; such a document now means a trust that polls.
      z.strictObject({ mode: z.literal("subscription") }).transform(() => ({ mode: "poll" as const })),
    ])
    .exactOptional(),
  jwks: z.strictObject({ keys: z.array(trustPublicKey).min(1).max(20) }).exactOptional(),
  jwksUri: secureUrl.exactOptional(),
  allowedHosts: z.array(hostName).min(1).max(20).exactOptional(),
  protocols: z
    .array(z.enum(PROTOCOLS))
    .min(1)
    .max(PROTOCOLS.length)
    .refine((list) => new Set(list).size === list.length, "must not name a protocol twice")
    .exactOptional(),
  accessKeyManifest: z
    .url()
    .refine(isHttpsOrLoopback, "must be https (http only on a loopback address)")
    .refine(
      (url) => URL.canParse(url) && /\/contracts\/[^/]+\/manifest$/.test(new URL(url).pathname),
      "must end with /contracts/{contractId}/manifest",
    )
    .exactOptional(),
};

const oneKeySource = (trust: { jwks?: unknown; jwksUri?: unknown }) =>
  trust.jwks === undefined || trust.jwksUri === undefined;
const ONE_KEY_SOURCE = { message: "give jwks or jwksUri, not both", path: ["jwksUri"] };

/** A trust as stored; fields it does not know (the store's own among them) are dropped. */
export const trustSchema = z.object(trustFields).refine(oneKeySource, ONE_KEY_SOURCE);

/** A trust as the seed gives it: nothing unknown. */
export const strictTrustSchema = z.strictObject(trustFields).refine(oneKeySource, ONE_KEY_SOURCE);

/** The id and name of a trust, as the directory search reads them. */
export const trustSummarySchema = z
  .object({ id: trustFields.id, name: trustFields.name, protocols: trustFields.protocols })
  .transform((summary) => ({ id: summary.id, name: summary.name, protocols: protocolsOf(summary) }));
