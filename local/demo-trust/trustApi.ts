// The demo trust as each seeded trust's HR system calling the trust API (API.md section 7): a P-256 key per trust,
// made at start and never written anywhere, its public half served at the jwksUri the seed names, and the control
// endpoints that sign a token as the trust, call the API, and answer with the service's status and body. A trust
// that encrypts also gets a P-256 encryption key, published beside its signing key, to decrypt its SETs with.
import { randomUUID } from "node:crypto";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export type TrustApi = {
  /** The service's API base, e.g. http://127.0.0.1:7071/api. */
  readonly baseUrl: string;
  /** The trust API's audience: the session issuer followed by /trust. */
  readonly audience: string;
};

export type DemoTrustKeys = {
  /** The JWKS the trust publishes, or undefined for a trust it does not play. */
  jwks(trustId: string): { keys: JWK[] } | undefined;
  /** A fresh token signed as the trust: ES256, iss = sub = the trust id, two minutes. */
  token(trustId: string, audience: string): Promise<string | undefined>;
  /** The private half of the encryption key a JWE names by its kid, or undefined for a key it did not make. */
  decryptionKey(kid: string): CryptoKey | undefined;
};

/** The JWE key management of the SETs encrypted to a trust (API.md section 8). */
export const ENCRYPTION_ALGORITHM = "ECDH-ES+A256KW";

const TOKEN_LIFETIME_SECONDS = 120;

export async function demoTrustKeys(
  trustIds: readonly string[],
  encryptingTrustIds: readonly string[] = [],
): Promise<DemoTrustKeys> {
  const made = new Map<string, { kid: string; privateKey: CryptoKey; jwk: JWK }>();
  // By kid: a JWE names the key it was encrypted to.
  const encryption = new Map<string, { trustId: string; privateKey: CryptoKey; jwk: JWK }>();
  for (const trustId of trustIds) {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const kid = `${trustId}-${randomUUID()}`;
    made.set(trustId, {
      kid,
      privateKey,
      jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" },
    });
    if (!encryptingTrustIds.includes(trustId)) continue;
    const pair = await generateKeyPair(ENCRYPTION_ALGORITHM, { crv: "P-256" });
    const encKid = `${trustId}-enc-${randomUUID()}`;
    encryption.set(encKid, {
      trustId,
      privateKey: pair.privateKey,
      jwk: { ...(await exportJWK(pair.publicKey)), kid: encKid, alg: ENCRYPTION_ALGORITHM, use: "enc" },
    });
  }
  const encryptionKeysOf = (trustId: string) =>
    [...encryption.values()].filter((key) => key.trustId === trustId).map((key) => key.jwk);
  return {
    jwks: (trustId) => {
      const key = made.get(trustId);
      return key && { keys: [key.jwk, ...encryptionKeysOf(trustId)] };
    },
    decryptionKey: (kid) => encryption.get(kid)?.privateKey,
    async token(trustId, audience) {
      const key = made.get(trustId);
      if (key === undefined) return undefined;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
        .setIssuer(trustId)
        .setSubject(trustId)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
        .setJti(randomUUID())
        .sign(key.privateKey);
    },
  };
}

export type ControlAnswer = { status: number; body: unknown; contentType?: string };

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const segment = (value: unknown) => encodeURIComponent(text(value) ?? "-");

/**
 * The control endpoints: POST /control/decide and POST /control/request make the trust API's calls as the trust
 * the body names, GET /control/requests reads back every request made so far, as each trust sees it, and POST
 * /control/token hands out a token signed as the trust. POST /control/access-key issues an access key, GET
 * /control/access-keys lists every key issued to the staff members it issued to, and POST /control/revoke revokes
 * one.
 */
export function trustApiControl(keys: DemoTrustKeys, api: TrustApi) {
  const made: { trustId: string; requestId: string }[] = [];
  /** The staff members this demo issued access keys to, as "trustId staffId", newest first. */
  const keyHolders: { trustId: string; staffId: string }[] = [];

  const callAs = async (
    trustId: unknown,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ControlAnswer> => {
    const token = await keys.token(String(trustId), api.audience);
    if (token === undefined)
      return { status: 400, body: { error: "trustId must be a trust this demo plays" } };
    const response = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = await response.text();
    const contentType = response.headers.get("content-type") ?? undefined;
    return {
      status: response.status,
      body: answer === "" ? undefined : JSON.parse(answer),
      ...(contentType === undefined ? {} : { contentType }),
    };
  };

  const routes: Readonly<Record<string, (body: unknown) => Promise<ControlAnswer>>> = {
    "POST /control/decide": (body) => {
      const { trustId, shareId, type, decision, reason } = (body ?? {}) as Record<string, unknown>;
      return callAs(
        trustId,
        "PUT",
        `/trust/shares/${segment(shareId)}/credentials/${segment(type)}/decision`,
        {
          decision,
          ...(reason === undefined ? {} : { reason }),
        },
      );
    },
    "POST /control/request": async (body) => {
      const { trustId, staffId, credentialTypes, message } = (body ?? {}) as Record<string, unknown>;
      const answer = await callAs(trustId, "POST", "/trust/credential-requests", {
        staffId,
        credentialTypes,
        ...(message === undefined ? {} : { message }),
      });
      const requestId = (answer.body as { requestId?: unknown } | undefined)?.requestId;
      if (answer.status === 201 && typeof requestId === "string")
        made.push({ trustId: String(trustId), requestId });
      return answer;
    },
    // A fresh token signed as the trust (API.md section 5), for trying the trust API by hand.
    "POST /control/token": async (body) => {
      const { trustId } = (body ?? {}) as Record<string, unknown>;
      const token = await keys.token(String(trustId), api.audience);
      if (token === undefined)
        return { status: 400, body: { error: "trustId must be a trust this demo plays" } };
      return { status: 200, body: { token } };
    },
    // Issues an access key (API.md section 10): the answer carries the link, the QR code and the PIN, which the
    // page shows as a trust would send them to the person.
    "POST /control/access-key": async (body) => {
      const { trustId, staffId, givenName, familyName, jobTitle } = (body ?? {}) as Record<string, unknown>;
      const answer = await callAs(trustId, "POST", "/trust/access-keys", {
        staffId,
        givenName,
        familyName,
        jobTitle,
      });
      if (
        answer.status === 201 &&
        typeof staffId === "string" &&
        !keyHolders.some((holder) => holder.trustId === trustId && holder.staffId === staffId)
      )
        keyHolders.unshift({ trustId: String(trustId), staffId });
      return answer;
    },
    "POST /control/revoke": (body) => {
      const { trustId, accessKeyId } = (body ?? {}) as Record<string, unknown>;
      return callAs(trustId, "DELETE", `/trust/access-keys/${segment(accessKeyId)}`);
    },
    "GET /control/access-keys": async () => {
      const accessKeys = [];
      for (const { trustId, staffId } of keyHolders) {
        const answer = await callAs(
          trustId,
          "GET",
          `/trust/access-keys?staffId=${encodeURIComponent(staffId)}`,
        );
        const listed = (answer.body as { accessKeys?: Record<string, unknown>[] } | undefined)?.accessKeys;
        if (answer.status === 200 && listed) accessKeys.push(...listed.map((key) => ({ trustId, ...key })));
      }
      return { status: 200, body: { accessKeys } };
    },
    "GET /control/requests": async () => {
      const requests = [];
      for (const { trustId, requestId } of made) {
        const answer = await callAs(trustId, "GET", `/trust/credential-requests/${segment(requestId)}`);
        if (answer.status === 200) requests.push(answer.body);
      }
      return { status: 200, body: { requests: requests.reverse() } };
    },
  };
  return {
    /** The answer for a control route, or undefined for a route that is not one. */
    handles: (route: string) => route in routes,
    answer: (route: string, body: unknown): Promise<ControlAnswer> =>
      routes[route]?.(body) ?? Promise.resolve({ status: 404, body: {} }),
  };
}
