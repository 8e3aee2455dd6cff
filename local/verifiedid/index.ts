// The local Verified ID simulator: plays Microsoft's Request Service (createPresentationRequest,
// createIssuanceRequest, callbacks), its Admin API's revocation and the staff member's wallet, so the whole journey
// runs locally. See README.md in this folder for its endpoints:
//   POST /v1.0/verifiableCredentials/createPresentationRequest|createIssuanceRequest   the Request Service
//   GET  /v1.0/verifiableCredentials/authorities[/{a}/contracts/{c}/credentials], POST .../{id}/revoke   Admin API
//   GET  /wallet/wallets/{id}, POST /wallet/wallets, POST /wallet/wallets/{id}/scan|present|accept,
//   GET  /wallet/requests/{id}, GET /wallet/issuance/{id}
//   POST /issuer/credentials, POST /issuer/status, GET /issuer/status-lists/{listId}   the SD-JWT VC issuer
//   POST /control/credentials/revoke, POST|DELETE /control/faults, GET /control/requests/{id},
//   POST /control/requests/{id}/expire, GET /control/issuance-requests/{id}, POST .../{id}/expire,
//   GET /control/issuers, GET /health
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_LOCAL_CERTIFICATES_DIR,
  ensureLocalCertificates,
  type LocalCertificates,
} from "../openid4vp/ca.js";
import { type Site, serveSite } from "../pages/site.js";
import { loadSeedWallets, SEED_DIR } from "../seed/index.js";
import type { SimulatorContext } from "./context.js";
import { controlRoutes } from "./controlRoutes.js";
import { BodyTooLarge, matchRoute, readBody, sendReply } from "./http.js";
import { issuanceRoutes } from "./issuanceRoutes.js";
import { IssuanceStore } from "./issuances.js";
import { IssuerKeys } from "./keys.js";
import { RequestStore } from "./requests.js";
import { createSdJwtIssuer, type SdJwtIssuer } from "./sdJwtIssuer.js";
import { serviceError } from "./serviceErrors.js";
import { serviceRoutes } from "./serviceRoutes.js";
import { walletRoutes } from "./walletRoutes.js";
import { WalletStore } from "./wallets.js";

/** The port of API contract section 6, overridable with VERIFIEDID_SIM_PORT. */
export const VERIFIEDID_SIM_DEFAULT_PORT = 7072;

export type VerifiedIdSimulatorOptions = {
  /** 0 picks any free port. Default 7072. */
  readonly port?: number;
  readonly host?: string;
  /** Folder holding wallets.json; default the repository's local/seed. */
  readonly seedDir?: string;
  /** The simulator's clock: request expiry and issuance dates follow it. */
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** The demo wallet page, served at /. */
  readonly site?: Site;
  /** The local certificate authority the SD-JWT VC issuer's keys are certified by. */
  readonly certificates?: LocalCertificates;
  /** Where to keep the local certificates when none are given; default .local/openid4vp in the repository. */
  readonly openid4vpDir?: string;
};

export type VerifiedIdSimulator = {
  /** Base URL, e.g. http://127.0.0.1:7072; the client's baseUrl. */
  readonly url: string;
  readonly port: number;
  /** The SD-JWT VC issuer behind /issuer/*, for wallets that hold OpenID4VP credentials. */
  readonly sdJwtIssuer: SdJwtIssuer;
  close(): Promise<void>;
};

export async function startVerifiedIdSimulator(
  options: VerifiedIdSimulatorOptions = {},
): Promise<VerifiedIdSimulator> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? (() => new Date());
  const issuers = new IssuerKeys();
  const certificates =
    options.certificates ??
    (await ensureLocalCertificates(options.openid4vpDir ?? DEFAULT_LOCAL_CERTIFICATES_DIR, { now }));
  const sdJwtIssuer = createSdJwtIssuer({
    certificates,
    baseUrl: () => context.baseUrl,
    now,
  });
  const context: SimulatorContext = {
    baseUrl: "",
    now,
    issuers,
    wallets: new WalletStore(issuers, sdJwtIssuer, now),
    requests: new RequestStore(now),
    issuances: new IssuanceStore(now),
    verifierRootPem: certificates.verifier.rootPem,
    openid4vpRequests: new Map(),
    fault: undefined,
    log: options.log ?? (() => {}),
  };

  const routes = [
    ...serviceRoutes(context),
    ...walletRoutes(context),
    ...issuanceRoutes(context),
    ...controlRoutes(context),
    ...sdJwtIssuer.routes,
  ];
  const server = createServer((request, response) => {
    if (serveSite(options.site, request, response)) return;
    const path = new URL(request.url ?? "/", "http://simulator").pathname;
    const isService = path.startsWith("/v1.0/");
    const matched = matchRoute(routes, request.method ?? "GET", path);
    (async () => {
      if (matched === undefined || matched === "method_not_allowed") {
        const status = matched === undefined ? 404 : 405;
        sendReply(
          response,
          isService
            ? serviceError(status, { code: "notFound", message: `No ${request.method} ${path}.` })
            : { status, body: { error: status === 404 ? "notFound" : "methodNotAllowed", message: path } },
        );
        return;
      }
      const text = await readBody(request);
      sendReply(response, await matched.route.handle({ request, params: matched.params, text }));
    })().catch((error: unknown) => {
      const tooLarge = error instanceof BodyTooLarge;
      context.log(
        `${request.method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendReply(
        response,
        serviceError(tooLarge ? 413 : 500, {
          code: tooLarge ? "badOrMissingField" : "transientError",
          message: tooLarge ? "The request is too large." : "The simulator failed.",
        }),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? VERIFIEDID_SIM_DEFAULT_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard bind is still reached through the loopback address.
  const publicHost =
    host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  context.baseUrl = `http://${publicHost}:${port}`;
  // Seeded once listening: each SD-JWT VC's status list URI names this server.
  try {
    for (const wallet of await loadSeedWallets(options.seedDir ?? SEED_DIR)) {
      await context.wallets.create(wallet);
    }
  } catch (error) {
    server.closeAllConnections();
    server.close();
    throw error;
  }

  return {
    url: context.baseUrl,
    port,
    sdJwtIssuer,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
