// Keeps the Request Service access token between calls: one token serves many presentation requests, and
// concurrent callers share one fetch. The Azure credentials cache too; this makes it hold for any credential.
import type { AccessToken, TokenCredential } from "@azure/identity";

/** The app role scope of the "Verifiable Credentials Service Request" service principal, the same in every tenant. */
export const VERIFIED_ID_SCOPE = "3db474b9-6a0c-4840-96ac-1fceb342124f/.default";

/** The app role scope of the "Verifiable Credentials Service Admin" service principal, for the Admin API. */
export const VERIFIED_ID_ADMIN_SCOPE = "6a8b4b39-c021-437c-b060-5a14a3fd65f3/.default";

// Renew this long before expiry so that a token never expires in flight or during a retry.
const RENEW_BEFORE_MS = 5 * 60_000;

export type TokenSource = {
  get(abortSignal?: AbortSignal): Promise<string>;
  /** Forget the cached token, e.g. after the service refused it with 401. */
  invalidate(): void;
};

export function cachedToken(
  credential: TokenCredential,
  now: () => number,
  scope: string = VERIFIED_ID_SCOPE,
): TokenSource {
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;

  const fresh = (token: AccessToken): boolean => {
    const renewAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - RENEW_BEFORE_MS;
    return now() < renewAt && now() < token.expiresOnTimestamp;
  };

  return {
    async get(abortSignal) {
      if (current !== undefined && fresh(current)) return current.token;
      if (pending === undefined) {
        // The shared fetch takes no caller's abort signal: one caller giving up must not fail the others.
        pending = (async () => {
          const token = await credential.getToken(scope);
          if (token === null) throw new Error("The credential returned no token");
          return token;
        })();
        pending.then(
          (token) => {
            current = token;
            pending = undefined;
          },
          () => {
            pending = undefined;
          },
        );
      }
      return (await untilAborted(pending, abortSignal)).token;
    },
    invalidate() {
      current = undefined;
    },
  };
}

/** The promise's value, or a rejection as soon as the signal aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
