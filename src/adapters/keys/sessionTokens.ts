// Session tokens: the short-lived ES256 JWT a staff member gets once their access key is accepted, and the only
// check that stands between a bearer and their shares. Verification trusts nothing but our own keys and ES256.

import type { JWTPayload } from "jose";
import type { Session, SessionIssuer, SigningKeys } from "../../app/ports.js";
import type { StaffClaimName, StaffClaims } from "../../domain/acceptPresentation.js";
import { ACCESS_KEY_STAFF_CLAIMS } from "../../domain/catalogue.js";
import { mintId } from "../../domain/secrets.js";
import { ServiceError } from "../../errors.js";
import { CLOCK_TOLERANCE_SECONDS, isExpired, verifyEs256 } from "./jwtVerification.js";
import { signJwt } from "./signingKeys.js";

export const SESSION_AUDIENCE = "staff-passport-portal";
/** API.md: `exp` at most 15 minutes after `iat`. */
export const MAX_SESSION_TTL_SECONDS = 900;
export const SESSION_CLOCK_TOLERANCE_SECONDS = CLOCK_TOLERANCE_SECONDS;
/**
 * Explicit type (RFC 8725 section 3.11): share events are signed with the same keys, and the header keeps one
 * kind of token from ever being taken for the other.
 */
export const SESSION_TOKEN_TYPE = "session+jwt";

export type { Session };

/** The bearer token is missing, malformed, expired, or not one we signed. The HTTP layer answers 401. */
export class InvalidSession extends ServiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_session", message, options);
  }
}

export type SessionTokenInput = {
  readonly issuer: string;
  readonly audience?: string;
  readonly subject: string;
  readonly trustId: string;
  readonly staff: StaffClaims;
  readonly now: Date;
  /** Whole seconds, 1 to 900. */
  readonly ttlSeconds: number;
};

export async function issueSessionToken(keys: SigningKeys, input: SessionTokenInput): Promise<string> {
  const { ttlSeconds } = input;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_SESSION_TTL_SECONDS) {
    throw new RangeError(`Session lifetime must be 1 to ${MAX_SESSION_TTL_SECONDS} whole seconds.`);
  }
  if (input.subject === "" || input.trustId === "") {
    throw new RangeError("A session needs a subject and a trust.");
  }
  const iat = Math.floor(input.now.getTime() / 1000);
  return signJwt(
    await keys.current(),
    { typ: SESSION_TOKEN_TYPE },
    {
      trust: input.trustId,
      staff: { ...input.staff },
      iss: input.issuer,
      aud: input.audience ?? SESSION_AUDIENCE,
      sub: input.subject,
      iat,
      exp: iat + ttlSeconds,
      jti: mintId(),
    },
  );
}

/** The session issuer port over our signing keys. */
export function sessionIssuer(keys: SigningKeys, issuer: string): SessionIssuer {
  return { issue: (claims) => issueSessionToken(keys, { ...claims, issuer }) };
}

export type VerifySessionOptions = {
  readonly issuer: string;
  readonly audience?: string;
  readonly now: Date;
};

/** The session a token carries, or InvalidSession. A failure to load our own keys is not the caller's fault. */
export async function verifySessionToken(
  keys: SigningKeys,
  token: string,
  options: VerifySessionOptions,
): Promise<Session> {
  // Only our own keys, with our own token type: neither a share event nor a trust's token is ever a session.
  const payload = await verifyEs256(keys, token, {
    typ: SESSION_TOKEN_TYPE,
    issuer: options.issuer,
    audience: options.audience ?? SESSION_AUDIENCE,
    currentDate: options.now,
    // Also refuses an `iat` in the future beyond the tolerance.
    maxTokenAge: MAX_SESSION_TTL_SECONDS,
    requiredClaims: ["sub", "trust", "staff", "jti", "exp", "iat"],
    invalid: (cause) =>
      new InvalidSession(isExpired(cause) ? "The session has expired." : "The session token is not valid.", {
        cause,
      }),
  });
  return sessionFrom(payload);
}

/** Checks the claims jose does not know about: their types, and a lifetime no longer than we ever issue. */
function sessionFrom(payload: JWTPayload): Session {
  const { sub, jti, exp, iat, trust, staff } = payload;
  if (typeof sub !== "string" || sub === "") throw new InvalidSession("The session token names no subject.");
  if (typeof trust !== "string" || trust === "")
    throw new InvalidSession("The session token names no trust.");
  if (typeof jti !== "string" || jti === "") throw new InvalidSession("The session token has no id.");
  if (typeof exp !== "number" || typeof iat !== "number" || exp - iat > MAX_SESSION_TTL_SECONDS) {
    throw new InvalidSession("The session token lives longer than a session may.");
  }
  return { subject: sub, trustId: trust, staff: staffFrom(staff), expiresAt: new Date(exp * 1000), jti };
}

function staffFrom(value: unknown): StaffClaims {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidSession("The session token's staff claim is not an object.");
  }
  const staff: { [name in StaffClaimName]?: string } = {};
  for (const [name, claim] of Object.entries(value)) {
    if (!isStaffClaimName(name) || typeof claim !== "string") {
      throw new InvalidSession("The session token's staff claim holds something we never issue.");
    }
    staff[name] = claim;
  }
  return staff;
}

function isStaffClaimName(name: string): name is StaffClaimName {
  return (ACCESS_KEY_STAFF_CLAIMS as readonly string[]).includes(name);
}
