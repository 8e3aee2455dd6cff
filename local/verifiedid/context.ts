// The simulator's shared state, handed to each group of routes.
import type { IssuanceStore } from "./issuances.js";
import type { IssuerKeys } from "./keys.js";
import type { OpenedRequest } from "./openid4vpWallet.js";
import type { RequestStore } from "./requests.js";
import type { WalletStore } from "./wallets.js";

/** Failures to inject into the next create requests, for the client's retry tests. */
export type CreateFault = {
  readonly status: 429 | 503;
  remaining: number;
  readonly retryAfterSeconds?: number;
};

export type SimulatorContext = {
  /** Base URL the simulator is reachable at, e.g. http://127.0.0.1:7072. */
  baseUrl: string;
  readonly now: () => Date;
  readonly issuers: IssuerKeys;
  readonly wallets: WalletStore;
  readonly requests: RequestStore;
  /** Issuance offers and the credentials issued through them. */
  readonly issuances: IssuanceStore;
  /** The verifier root a wallet trusts for OpenID4VP request objects (PEM). */
  readonly verifierRootPem: string;
  /** OpenID4VP requests the wallets have opened, by the wallet's own request id. */
  readonly openid4vpRequests: Map<string, OpenedRequest>;
  fault: CreateFault | undefined;
  readonly log: (line: string) => void;
};
