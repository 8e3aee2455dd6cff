// What a wallet does with a presentation request: choose matching credentials the way Authenticator filters them
// (type, accepted issuers, constraints), and what the Request Service then tells the verifier's callback.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Constraint, RequestedCredential } from "./createRequest.js";
import { SIGNING_ALG } from "./keys.js";
import type { StoredRequest } from "./requests.js";
import type { HeldCredential, Wallet } from "./wallets.js";

// Wallet-signed tokens in the receipt are valid this long, like a short-lived response.
const RESPONSE_LIFETIME_SECONDS = 10 * 60;

/** A credential the wallet holds of a requested type, and whether it meets the request's issuers and constraints. */
export type Offer = { readonly id: string; readonly issuer: string; readonly fits: boolean };

/**
 * Per requested type, the first fitting credential, or the one `choose` names (by id). A named credential is
 * presented even when it does not fit: the seed's staff member sees every access key they hold and may pick
 * another trust's, which the service must then refuse. An id the wallet does not hold for that type is `unknown`.
 */
export function chooseCredentials(
  wallet: Wallet,
  requested: readonly RequestedCredential[],
  choose: Readonly<Record<string, string>> = {},
): { readonly chosen: HeldCredential[]; readonly missing: string[]; readonly unknown: string[] } {
  const chosen: HeldCredential[] = [];
  const missing: string[] = [];
  const unknown: string[] = [];
  for (const wanted of requested) {
    const named = choose[wanted.type];
    const match =
      named === undefined
        ? wallet.credentials.find((credential) => satisfies(credential, wanted))
        : wallet.credentials.find((credential) => credential.id === named && credential.type === wanted.type);
    if (match !== undefined) chosen.push(match);
    else if (named !== undefined) unknown.push(wanted.type);
    else missing.push(wanted.type);
  }
  return { chosen, missing, unknown };
}

/** What the wallet can offer for each requested type: every credential of that type it holds. */
export function offersFor(
  wallet: Wallet,
  requested: readonly RequestedCredential[],
): Record<string, Offer[]> {
  return Object.fromEntries(
    requested.map((wanted) => [
      wanted.type,
      wallet.credentials
        .filter((credential) => credential.type === wanted.type)
        .map((credential) => ({
          id: credential.id,
          issuer: credential.issuer,
          fits: satisfies(credential, wanted),
        })),
    ]),
  );
}

function satisfies(credential: HeldCredential, wanted: RequestedCredential): boolean {
  if (credential.type !== wanted.type) return false;
  // An empty or absent list means any issuer, as in the Request Service.
  const issuers = wanted.acceptedIssuers ?? [];
  if (issuers.length > 0 && !issuers.includes(credential.issuer)) return false;
  return (wanted.constraints ?? []).every((constraint) =>
    meets(credential.claims[constraint.claimName], constraint),
  );
}

// The service compares case-insensitively and never as a pattern.
function meets(claim: unknown, constraint: Constraint): boolean {
  if (typeof claim !== "string" && typeof claim !== "number" && typeof claim !== "boolean") return false;
  const value = String(claim).toLowerCase();
  if ("values" in constraint) return constraint.values.some((candidate) => candidate.toLowerCase() === value);
  if ("contains" in constraint) return value.includes(constraint.contains.toLowerCase());
  return value.startsWith(constraint.startsWith.toLowerCase());
}

export function retrievedCallback(request: StoredRequest): Record<string, unknown> {
  return {
    requestId: request.requestId,
    requestStatus: "request_retrieved",
    state: request.body.callback.state,
  };
}

export function errorCallback(
  request: StoredRequest,
  error: { readonly code: string; readonly message: string },
): Record<string, unknown> {
  return {
    requestId: request.requestId,
    requestStatus: "presentation_error",
    state: request.body.callback.state,
    error: { code: error.code, message: error.message },
  };
}

export async function verifiedCallback(
  request: StoredRequest,
  wallet: Wallet,
  chosen: readonly HeldCredential[],
  now: Date,
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {
    requestId: request.requestId,
    requestStatus: "presentation_verified",
    state: request.body.callback.state,
    subject: wallet.did,
    verifiedCredentialsData: chosen.map(presentedCredential),
  };
  if (request.body.includeReceipt === true) {
    body.receipt = {
      id_token: await idToken(request, wallet, chosen, now),
      vp_token: await vpToken(request, wallet, chosen, now),
      state: request.body.callback.state,
    };
  }
  return body;
}

function presentedCredential(credential: HeldCredential): Record<string, unknown> {
  const domain = linkedDomain(credential.issuer);
  return {
    issuer: credential.issuer,
    type: ["VerifiableCredential", credential.type],
    claims: { ...credential.claims },
    credentialState: { revocationStatus: credential.revoked ? "REVOKED" : "VALID" },
    ...(domain !== undefined ? { domainValidation: { url: domain } } : {}),
    issuanceDate: credential.issuanceDate,
    ...(credential.expirationDate !== undefined ? { expirationDate: credential.expirationDate } : {}),
  };
}

/** The origin a did:web issuer is linked to; the simulator treats every did:web issuer as verified. */
function linkedDomain(did: string): string | undefined {
  if (!did.startsWith("did:web:")) return undefined;
  const host = decodeURIComponent(did.slice("did:web:".length).split(":")[0] ?? "");
  return host === "" ? undefined : `https://${host}/`;
}

/** The verifiable presentation the wallet signs: holder DID as `iss`, the verifier as `aud`, the VCs inside. */
async function vpToken(
  request: StoredRequest,
  wallet: Wallet,
  chosen: readonly HeldCredential[],
  now: Date,
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    nonce: request.nonce,
    vp: {
      "@context": ["https://www.w3.org/2018/credentials/v1"],
      type: ["VerifiablePresentation"],
      verifiableCredential: chosen.map((credential) => credential.jwt),
    },
  })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: "JWT", kid: wallet.key.kid })
    .setIssuer(wallet.did)
    .setAudience(request.body.authority)
    .setJti(`urn:uuid:${randomUUID()}`)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + RESPONSE_LIFETIME_SECONDS)
    .sign(wallet.key.privateKey);
}

/** The SIOPv2 id_token that accompanies the presentation and says where each credential sits in the vp_token. */
async function idToken(
  request: StoredRequest,
  wallet: Wallet,
  chosen: readonly HeldCredential[],
  now: Date,
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    nonce: request.nonce,
    _vp_token: {
      presentation_submission: {
        id: randomUUID(),
        definition_id: request.requestId,
        descriptor_map: chosen.map((credential, index) => ({
          id: credential.type,
          format: "jwt_vp",
          path: "$",
          path_nested: { id: credential.type, format: "jwt_vc", path: `$.verifiableCredential[${index}]` },
        })),
      },
    },
  })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: "JWT", kid: wallet.key.kid })
    .setIssuer("https://self-issued.me/v2/openid-vc")
    .setSubject(wallet.did)
    .setAudience(request.body.authority)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + RESPONSE_LIFETIME_SECONDS)
    .sign(wallet.key.privateKey);
}
