// A TokenCredential with a fixed token, for the local Verified ID simulator, which only checks that a bearer
// token is present. Never used against Microsoft's endpoint.
import type { AccessToken, TokenCredential } from "@azure/identity";

export class StaticTokenCredential implements TokenCredential {
  readonly #token: string;

  constructor(token = "local-simulator-token") {
    if (token === "") throw new TypeError("StaticTokenCredential needs a non-empty token");
    this.#token = token;
  }

  async getToken(): Promise<AccessToken> {
    // Far in the future, so that callers that cache tokens keep this one.
    return { token: this.#token, expiresOnTimestamp: Date.now() + 24 * 60 * 60_000, tokenType: "Bearer" };
  }
}
