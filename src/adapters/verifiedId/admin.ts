// Verified ID's Admin API, as Microsoft documents it for revoking an issued credential: find the authority by its
// DID, search the contract's credentials by the hash of their indexed claim, and revoke each one found.
import { createHash } from "node:crypto";
import type { TokenCredential } from "@azure/identity";
import * as z from "zod";
import type { VerifiedIdAdmin } from "../../app/ports.js";
import { readServiceErrorBody, VerifiedIdError } from "./errors.js";
import { cachedToken, VERIFIED_ID_ADMIN_SCOPE } from "./tokenCache.js";

const AUTHORITIES_PATH = "/v1.0/verifiableCredentials/authorities";
// Each call gets this long; the trust retries a DELETE that failed, and revoking again is harmless.
const CALL_TIMEOUT_MS = 10_000;

const authoritiesSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1), didModel: z.object({ did: z.string() }).optional() })),
});
const credentialsSchema = z.object({ value: z.array(z.object({ id: z.string().min(1) })) });

/** A manifest URL names its contract: `.../verifiableCredentials/contracts/{contractId}/manifest`. */
export function contractIdOfManifest(manifest: string): string {
  const segments = new URL(manifest).pathname.split("/").filter((segment) => segment !== "");
  const contractId = segments.at(-1) === "manifest" ? segments.at(-2) : undefined;
  if (contractId === undefined || segments.at(-3) !== "contracts") {
    throw new TypeError("The manifest URL does not end with /contracts/{contractId}/manifest");
  }
  return decodeURIComponent(contractId);
}

/** The `indexclaimhash` Microsoft's search takes: Base64(SHA-256(contractId + claim value)). */
export function indexClaimHash(contractId: string, claimValue: string): string {
  return createHash("sha256")
    .update(contractId + claimValue, "utf8")
    .digest("base64");
}

export function createVerifiedIdAdmin(options: {
  readonly baseUrl: string;
  readonly credential: TokenCredential;
  readonly now?: () => number;
}): VerifiedIdAdmin {
  const base = options.baseUrl.replace(/\/+$/, "");
  const tokens = cachedToken(options.credential, options.now ?? Date.now, VERIFIED_ID_ADMIN_SCOPE);
  // An authority's id never changes; it is looked up once per DID and instance.
  const authorityIds = new Map<string, string>();

  async function call(method: "GET" | "POST", path: string): Promise<string> {
    let token: string;
    try {
      token = await tokens.get();
    } catch (cause) {
      throw new VerifiedIdError({ reason: "token", attempts: 1 }, { cause });
    }
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new VerifiedIdError({ reason: "unavailable", attempts: 1 }, { cause });
    }
    const text = await response.text().catch(() => "");
    if (response.ok) return text;
    if (response.status === 401) tokens.invalidate();
    const retryable = response.status === 429 || response.status >= 500;
    throw new VerifiedIdError({
      reason: retryable ? "unavailable" : "rejected",
      status: response.status,
      attempts: 1,
      ...readServiceErrorBody(text),
    });
  }

  function parsed<S extends z.ZodType>(schema: S, text: string): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const result = schema.safeParse(json);
    if (!result.success) throw new VerifiedIdError({ reason: "invalid_response", attempts: 1 });
    return result.data;
  }

  async function authorityIdOf(did: string): Promise<string> {
    const known = authorityIds.get(did);
    if (known !== undefined) return known;
    const { value } = parsed(authoritiesSchema, await call("GET", AUTHORITIES_PATH));
    const found = value.find((authority) => authority.didModel?.did === did);
    // No such authority: nothing it issued can be found, which the caller must hear rather than take as done.
    if (found === undefined) throw new VerifiedIdError({ reason: "rejected", status: 404, attempts: 1 });
    authorityIds.set(did, found.id);
    return found.id;
  }

  return {
    async revokeByIndexedClaim({ authority, manifest, claimValue }) {
      const contractId = contractIdOfManifest(manifest);
      const authorityId = await authorityIdOf(authority);
      const credentials = `${AUTHORITIES_PATH}/${encodeURIComponent(authorityId)}/contracts/${encodeURIComponent(contractId)}/credentials`;
      const filter = encodeURIComponent(`indexclaimhash eq ${indexClaimHash(contractId, claimValue)}`);
      const { value } = parsed(credentialsSchema, await call("GET", `${credentials}?filter=${filter}`));
      // Microsoft's revoke is idempotent, so one already revoked (by an earlier, partly failed call) is revoked again.
      for (const credential of value) {
        await call("POST", `${credentials}/${encodeURIComponent(credential.id)}/revoke`);
      }
      return value.length;
    },
  };
}
