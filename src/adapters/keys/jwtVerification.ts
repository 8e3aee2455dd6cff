// What the verifiers of session tokens and trust tokens share: ES256 only, keys from a JWKS that may be read again
// once when a token names a key id it does not hold (rate-limited by the key source), and the clock tolerance.
// Each verifier names its own keys, audience and claims, so one kind of token is never taken for the other.
import {
  createLocalJWKSet,
  errors,
  type JWK,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
  type LocalJWKSet,
} from "jose";
import { SIGNING_ALGORITHM } from "./signingKeys.js";

export const CLOCK_TOLERANCE_SECONDS = 60;

/** Public keys to verify with, and a way to read them again now (false when it did not, e.g. rate-limited). */
export type VerificationKeys = {
  jwks(): Promise<{ keys: JWK[] }>;
  reload(): Promise<boolean>;
};

export type Es256Options = Omit<JWTVerifyOptions, "algorithms" | "clockTolerance"> & {
  /** Makes the error the caller answers with for a token that does not verify. */
  readonly invalid: (cause: unknown) => Error;
};

/**
 * The verified payload, or `invalid(cause)`. Failures to read the keys are not the token's fault and are thrown as
 * they are (a 503, not a 401).
 */
export async function verifyEs256(
  keys: VerificationKeys,
  token: string,
  options: Es256Options,
): Promise<JWTPayload> {
  const { invalid, ...verifyOptions } = options;
  const verify = async (jwks: { keys: JWK[] }) =>
    (
      await jwtVerify(token, resolverFor(jwks), {
        ...verifyOptions,
        algorithms: [SIGNING_ALGORITHM],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      })
    ).payload;
  const jwks = await keys.jwks();
  try {
    return await verify(jwks);
  } catch (cause) {
    // A key id we do not know may be a key the signer has just started using: read the keys again (rate-limited)
    // and try once more before calling the token invalid.
    if (!(cause instanceof errors.JWKSNoMatchingKey) || !(await keys.reload())) throw invalid(cause);
  }
  const reloaded = await keys.jwks();
  try {
    return await verify(reloaded);
  } catch (cause) {
    throw invalid(cause);
  }
}

// Key sources hand out the same JWKS object until they reload, so the imported keys are reused until then.
const resolvers = new WeakMap<object, LocalJWKSet>();

function resolverFor(jwks: { keys: JWK[] }): LocalJWKSet {
  let resolver = resolvers.get(jwks);
  if (resolver === undefined) {
    resolver = createLocalJWKSet(jwks);
    resolvers.set(jwks, resolver);
  }
  return resolver;
}

/** True for the error jose raises for an expired token, so that the message can say so. */
export const isExpired = (cause: unknown) => cause instanceof errors.JWTExpired;
