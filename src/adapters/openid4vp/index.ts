// The standard wallets' verifier as the composition root builds it from the settings: the certificate chain and
// issuer roots parsed once, the request key from Key Vault (or, locally, a PEM setting), checked to be the
// certificate's, and status lists fetched through the outbound guard. Built on first use; without a certificate
// chain configured every call answers `openid4vp_unavailable`, and Verified ID alone works. The verifier and its
// libraries are imported only then (./lazy.js, a bundle of its own in the deployable), so that no cold start and
// no deployment without standard wallets pays for loading them.
import { createPrivateKey, createPublicKey, type KeyObject, type X509Certificate } from "node:crypto";
import type { SigningKey, SigningKeys, StandardWallets } from "../../app/ports.js";
import { ServiceError } from "../../errors.js";
import { type OutboundPolicy, publicFetch } from "../net/publicFetch.js";
import { certificatesOfPem } from "./certificateChains.js";

export class StandardWalletsUnavailable extends ServiceError {
  constructor(options?: ErrorOptions) {
    super("openid4vp_unavailable", "Standard wallets (OpenID4VP) are not set up on this service.", options);
  }
}

export type StandardWalletSettings = {
  readonly chainPem: string | undefined;
  readonly issuerRootsPem: string | undefined;
  /** The request key: loaded from Key Vault, or a local PKCS8 PEM. */
  readonly key: () => Promise<SigningKey & { readonly publicKey?: KeyObject }>;
  readonly origin: string;
  readonly outbound: OutboundPolicy;
  readonly clock: () => Date;
};

/** Standard wallets per the settings, built on first use and rebuilt after a failure. */
export function standardWallets(settings: StandardWalletSettings): StandardWallets {
  let built: Promise<StandardWallets> | undefined;
  const verifier = () => {
    built ??= build(settings).catch((error: unknown) => {
      built = undefined;
      throw error instanceof ServiceError ? error : new StandardWalletsUnavailable({ cause: error });
    });
    return built;
  };
  return {
    start: async (id) => (await verifier()).start(id),
    requestObject: async (request, now) => (await verifier()).requestObject(request, now),
    verifyResponse: async (request, form, now) => (await verifier()).verifyResponse(request, form, now),
  };
}

async function build(settings: StandardWalletSettings): Promise<StandardWallets> {
  if (settings.chainPem === undefined || settings.issuerRootsPem === undefined)
    throw new StandardWalletsUnavailable();
  const chain = certificatesOfPem(settings.chainPem, "OPENID4VP_CERTIFICATE_CHAIN");
  const issuerRoots = certificatesOfPem(settings.issuerRootsPem, "OPENID4VP_ISSUER_ROOTS");
  const key = await settings.key();
  const [leaf] = chain;
  if (key.publicKey !== undefined && leaf !== undefined && !samePublicKey(leaf, key.publicKey)) {
    throw new Error("The OpenID4VP request key is not the verifier certificate's key.");
  }
  const { STATUS_FETCH_LIMITS, openid4vpVerifier, statusListReader } = await import("./lazy.js");
  const status = statusListReader({
    issuerRoots,
    clock: settings.clock,
    fetch: (url) =>
      publicFetch(
        url,
        { method: "GET", headers: { accept: "application/statuslist+jwt" }, ...STATUS_FETCH_LIMITS },
        settings.outbound,
      ),
  });
  return openid4vpVerifier({ chain, key, issuerRoots, origin: settings.origin, status });
}

function samePublicKey(leaf: X509Certificate, publicKey: KeyObject): boolean {
  return leaf.publicKey
    .export({ format: "der", type: "spki" })
    .equals(publicKey.export({ format: "der", type: "spki" }));
}

/** The request key as a Key Vault key, with its public half to check against the certificate. */
export async function vaultRequestKey(
  keys: SigningKeys,
): Promise<SigningKey & { readonly publicKey: KeyObject }> {
  const key = await keys.current();
  const published = (await keys.jwks()).keys.find((candidate) => candidate.kid === key.kid);
  if (published === undefined) throw new Error("The OpenID4VP request key has no public half.");
  return { ...key, publicKey: createPublicKey({ key: { ...published }, format: "jwk" }) };
}

/** A local request key from PKCS8 PEM, signing with WebCrypto's r||s as JWS wants. */
export async function localRequestKey(pem: string): Promise<SigningKey & { readonly publicKey: KeyObject }> {
  const privateKey = createPrivateKey(pem);
  const cryptoKey = await crypto.subtle.importKey(
    "pkcs8",
    privateKey.export({ format: "der", type: "pkcs8" }),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  return {
    kid: "openid4vp-request-key",
    publicKey: createPublicKey(privateKey),
    sign: async (input) =>
      new Uint8Array(
        await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, cryptoKey, new Uint8Array(input)),
      ),
  };
}
