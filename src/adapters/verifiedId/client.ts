// The Verified ID Request Service client: creates presentation and issuance requests at Microsoft's endpoint in Azure and at
// the local simulator elsewhere, by the same code path; only the base URL and the token credential differ.
import { randomBytes } from "node:crypto";
import type { TokenCredential } from "@azure/identity";
import * as z from "zod";
import type { PresentationRequestCreated, VerifiedIdClient } from "../../app/ports.js";
import { readServiceErrorBody, VerifiedIdError } from "./errors.js";
import { buildIssuanceRequestBody } from "./issuanceBody.js";
import { buildPresentationRequestBody } from "./requestBody.js";
import { nextDelayMs, parseRetryAfter, type RetryOptions, retryPolicy } from "./retry.js";
import { cachedToken } from "./tokenCache.js";

/** Microsoft's Request Service; the tenant comes from the access token, not the URL. */
export const VERIFIED_ID_BASE_URL = "https://verifiedid.did.msidentity.com";
const CREATE_PATH = "/v1.0/verifiableCredentials/createPresentationRequest";
const ISSUANCE_PATH = "/v1.0/verifiableCredentials/createIssuanceRequest";
// Each attempt gets this long at most, and never more than is left of the total budget, so a hung connection
// counts as one transient failure and the portal never waits much past the budget.
const ATTEMPT_TIMEOUT_MS = 10_000;
const MIN_ATTEMPT_MS = 250;

/** Each request's callback api-key is 256 random bits, base64url: a header of any other shape was never issued. */
export const CALLBACK_API_KEY = /^[A-Za-z0-9_-]{43}$/;

export type VerifiedIdClientOptions = {
  readonly baseUrl: string;
  readonly credential: TokenCredential;
  /** The verifier DID of our Verified ID authority. */
  readonly authority: string;
  /** Our callback endpoint, from configuration (never from request headers). */
  readonly callbackUrl: string;
  readonly retry?: RetryOptions;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch; tests move it together with `sleep`. */
  readonly now?: () => number;
};

export type { PresentationRequestCreated, VerifiedIdClient };

const createdSchema = z.object({
  requestId: z.string().min(1),
  url: z.string().startsWith("openid-vc://"),
  expiry: z.number().int().positive(),
  qrCode: z.string().startsWith("data:image/png;base64,").optional(),
});

type Attempt =
  | { readonly ok: true; readonly created: z.infer<typeof createdSchema> }
  | {
      readonly ok: false;
      readonly error: VerifiedIdError;
      readonly retryable: boolean;
      readonly retryAfterMs?: number;
    };

export function createVerifiedIdClient(options: VerifiedIdClientOptions): VerifiedIdClient {
  const base = absoluteUrl(options.baseUrl, "baseUrl").replace(/\/+$/, "");
  absoluteUrl(options.callbackUrl, "callbackUrl");
  if (!options.authority.startsWith("did:")) throw new TypeError("authority must be a DID");
  const policy = retryPolicy(options.retry);
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const tokens = cachedToken(options.credential, now);

  async function attempt(
    endpoint: string,
    body: string,
    attempts: number,
    remainingMs: number,
  ): Promise<Attempt> {
    const signal = AbortSignal.timeout(Math.max(MIN_ATTEMPT_MS, Math.min(ATTEMPT_TIMEOUT_MS, remainingMs)));
    let token: string;
    try {
      token = await tokens.get(signal);
    } catch (cause) {
      // Identity errors can name the tenant or client; they stay in `cause`, out of the message. A managed
      // identity endpoint that blinks is transient, so token failures are retried like the service's own.
      return {
        ok: false,
        retryable: true,
        error: new VerifiedIdError({ reason: "token", attempts }, { cause }),
      };
    }
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body,
        signal,
      });
    } catch (cause) {
      // Connection failures and timeouts are transient by nature.
      return {
        ok: false,
        retryable: true,
        error: new VerifiedIdError({ reason: "unavailable", attempts }, { cause }),
      };
    }
    const text = await response.text().catch(() => "");
    if (response.ok) {
      const created = parseCreated(text);
      if (created === undefined) {
        return {
          ok: false,
          retryable: false,
          error: new VerifiedIdError({ reason: "invalid_response", status: response.status, attempts }),
        };
      }
      return { ok: true, created };
    }
    const details = readServiceErrorBody(text);
    // A refused token (revoked, or cached past a role change) is dropped and fetched afresh, once.
    const staleToken = response.status === 401 && attempts === 1;
    if (response.status === 401) tokens.invalidate();
    const retryable =
      staleToken ||
      response.status === 429 ||
      response.status >= 500 ||
      details.innerCode === "transientError";
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now());
    return {
      ok: false,
      retryable,
      error: new VerifiedIdError({
        reason: retryable ? "unavailable" : "rejected",
        status: response.status,
        attempts,
        ...details,
      }),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }

  /** Posts the body, retrying what is transient within the budget; the request as created, with its key. */
  async function create(path: string, body: string, apiKey: string): Promise<PresentationRequestCreated> {
    const started = now();
    for (let attempts = 1; ; attempts++) {
      const result = await attempt(`${base}${path}`, body, attempts, policy.maxTotalMs - (now() - started));
      if (result.ok) {
        const { requestId, url, expiry, qrCode } = result.created;
        return {
          requestId,
          url,
          expiresAt: new Date(expiry * 1000),
          apiKey,
          ...(qrCode ? { qrCode } : {}),
        };
      }
      const delay = result.retryable
        ? nextDelayMs(
            policy,
            { attempts, elapsedMs: now() - started, retryAfterMs: result.retryAfterMs },
            random,
          )
        : undefined;
      if (delay === undefined) throw result.error;
      await sleep(delay);
    }
  }

  return {
    async createPresentationRequest(input) {
      const apiKey = randomBytes(32).toString("base64url");
      const body = JSON.stringify(
        buildPresentationRequestBody(
          { authority: options.authority, callbackUrl: options.callbackUrl, apiKey },
          input,
        ),
      );
      return create(CREATE_PATH, body, apiKey);
    },
    async createIssuanceRequest(input) {
      const apiKey = randomBytes(32).toString("base64url");
      const body = JSON.stringify(
        buildIssuanceRequestBody({ callbackUrl: options.callbackUrl, apiKey }, input),
      );
      // A retry after a lost answer may leave a second offer at Verified ID; only the one answered is ever given
      // out, and the other expires unused.
      return create(ISSUANCE_PATH, body, apiKey);
    },
  };
}

function parseCreated(text: string): z.infer<typeof createdSchema> | undefined {
  try {
    const parsed = createdSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function absoluteUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(`${name} must be http(s)`);
  return value;
}
