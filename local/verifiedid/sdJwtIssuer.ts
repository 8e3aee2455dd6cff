// The local SD-JWT VC issuer (API.md section 9): issues every catalogue type, the access key included, as a standard
// wallet holds it, signed with a key the local certificate authority certifies for the catalogue's issuer.
import { webcrypto } from "node:crypto";
import { digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance, type SdJwtVcPayload } from "@sd-jwt/sd-jwt-vc";
import { base64url, importJWK } from "jose";
import { z } from "zod";
import {
  ACCESS_KEY_TRUST_CLAIM,
  ACCESS_KEY_TYPE,
  issuerUrlOfDid,
  shareableCredentialType,
  vctOf,
} from "../../src/domain/catalogue.js";
import type { LocalCertificates } from "../openid4vp/ca.js";
import { loadSeedTrusts, SEED_DIR } from "../seed/index.js";
import { parseBody, type Route, simulatorError } from "./http.js";
import { type CredentialStatus, type StatusEntry, StatusListFull, StatusLists } from "./statusLists.js";

export type SdJwtIssueInput = {
  /** A catalogue type, the access key included. */
  readonly type: string;
  /** The credential's own claims, each one selectively disclosable. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The holder's public P-256 key, bound as `cnf.jwk`. */
  readonly holderJwk: Readonly<Record<string, unknown>>;
  /** RFC 3339; `nbf`, default now. */
  readonly validFrom?: string;
  /** RFC 3339; `exp`, default a year after now. */
  readonly validUntil?: string;
  /** An https issuer URL to sign as instead of the catalogue's, for tests of an issuer the service does not accept. */
  readonly issuer?: string;
};

export type SdJwtIssuer = {
  /** The SD-JWT VC with its trailing `~` and no key binding JWT. Throws SdJwtIssueError for bad input. */
  issue(input: SdJwtIssueInput): Promise<string>;
  /** Sets the status of a credential this issuer made (any presentation of it); throws SdJwtIssueError if unknown. */
  setStatus(credential: string, status: CredentialStatus): void;
  /** POST /issuer/credentials, POST /issuer/status, GET /issuer/status-lists/{listId}. */
  readonly routes: readonly Route[];
};

export type SdJwtIssuerOptions = {
  readonly certificates: LocalCertificates;
  /** The simulator's base URL, known once it listens; status list URIs start with it. */
  readonly baseUrl: () => string;
  readonly now: () => Date;
  /** Folder holding trusts.json, whose issuerDids name each trust's access key issuer; default the seed. */
  readonly seedDir?: string;
};

/** Why an issue or status change was refused: the route's 400 `error`. */
export class SdJwtIssueError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "SdJwtIssueError";
    this.code = code;
  }
}

/**
 * Claims the issuer sets itself. SD-JWT VC -13 section 3.2.2.2 forbids disclosing the registered ones, and a
 * request's claim must not replace them either.
 */
const REGISTERED_CLAIMS = new Set([
  "iss",
  "iat",
  "nbf",
  "exp",
  "cnf",
  "vct",
  "vct#integrity",
  "status",
  "_sd",
  "_sd_alg",
  "...",
]);

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

const base64urlCoordinate = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a base64url P-256 coordinate");

const holderJwkSchema = z
  .object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: base64urlCoordinate, y: base64urlCoordinate })
  .catchall(z.unknown())
  .refine((jwk) => !("d" in jwk), "holderJwk must be a public key: it has a private part (d).");

const issueSchema = z.strictObject({
  type: z.string().min(1),
  claims: z.record(z.string(), z.unknown()),
  holderJwk: z.record(z.string(), z.unknown()),
  validFrom: z.iso.datetime({ offset: true }).exactOptional(),
  validUntil: z.iso.datetime({ offset: true }).exactOptional(),
  issuer: z.string().min(1).exactOptional(),
});

const statusSchema = z.strictObject({
  credential: z.string().min(1),
  status: z.enum(["valid", "revoked"]),
});

type Issued = { readonly listId: string; readonly entry: StatusEntry };

export function createSdJwtIssuer(options: SdJwtIssuerOptions): SdJwtIssuer {
  const { certificates, now } = options;
  const lists = new StatusLists(certificates, options.baseUrl, now);
  // Keyed by the issuer-signed JWT, so that a credential is found from any presentation of it.
  const issued = new Map<string, Issued>();
  let trustIssuers: Promise<ReadonlyMap<string, string>> | undefined;

  const accessKeyIssuer = async (trustId: string): Promise<string> => {
    trustIssuers ??= loadSeedTrusts(options.seedDir ?? SEED_DIR).then(
      (trusts) =>
        new Map(
          trusts.flatMap((trust) => {
            const did = trust.issuerDids[0];
            const url = did === undefined ? undefined : issuerUrlOfDid(did);
            return url === undefined ? [] : [[trust.id, url] as const];
          }),
        ),
    );
    // A trust outside the seed (one a test registers) gets the seed's pattern for its access key issuer.
    return (await trustIssuers).get(trustId) ?? `https://${trustId.toLowerCase()}.staffpassport.nhs.uk`;
  };

  /** The issuer the catalogue accepts for the type (checking the type and an access key's trust id first). */
  const issuerOf = async (input: SdJwtIssueInput): Promise<string> => {
    let catalogueIssuer: () => Promise<string>;
    if (input.type === ACCESS_KEY_TYPE) {
      const trustId = input.claims[ACCESS_KEY_TRUST_CLAIM];
      if (typeof trustId !== "string" || !/^[A-Za-z0-9-]{1,63}$/.test(trustId))
        throw new SdJwtIssueError(
          "missingTrustId",
          `An access key needs claims.${ACCESS_KEY_TRUST_CLAIM}, a trust id.`,
        );
      catalogueIssuer = () => accessKeyIssuer(trustId);
    } else {
      const shareable = shareableCredentialType(input.type);
      if (shareable === undefined)
        throw new SdJwtIssueError("unknownType", `${input.type} is not a catalogue type.`);
      const url = issuerUrlOfDid(shareable.acceptedIssuers[0]);
      if (url === undefined) throw new Error(`The catalogue's issuer of ${input.type} is not did:web.`);
      catalogueIssuer = () => Promise.resolve(url);
    }
    return input.issuer === undefined ? catalogueIssuer() : httpsIssuer(input.issuer);
  };

  const issue = async (input: SdJwtIssueInput): Promise<string> => {
    const holder = holderJwkSchema.safeParse(input.holderJwk);
    if (!holder.success)
      throw new SdJwtIssueError("invalidHolderJwk", "holderJwk must be a public P-256 JWK (kty EC, x, y).");
    const { kty, crv, x, y } = holder.data;
    const holderJwk = { kty, crv, x, y };
    // Coordinates of the right length may still not be a point on the curve.
    await importJWK(holderJwk, "ES256").catch(() => {
      throw new SdJwtIssueError("invalidHolderJwk", "holderJwk is not a point on P-256.");
    });
    const reserved = Object.keys(input.claims).filter((claim) => REGISTERED_CLAIMS.has(claim));
    if (reserved.length > 0)
      throw new SdJwtIssueError("reservedClaim", `The issuer sets ${reserved.join(", ")} itself.`);
    const at = now();
    const nbf = input.validFrom === undefined ? at : new Date(input.validFrom);
    const exp =
      input.validUntil === undefined ? new Date(at.getTime() + YEAR_MS) : new Date(input.validUntil);
    if (Number.isNaN(nbf.getTime()) || Number.isNaN(exp.getTime()) || exp.getTime() <= nbf.getTime())
      throw new SdJwtIssueError(
        "invalidValidity",
        "validFrom and validUntil are dates, validUntil the later.",
      );
    const iss = await issuerOf(input);

    const { x5c, privateKey } = await certificates.issuers.certify(iss);
    const { listId, entry } = await lists.allocate(iss);
    const instance = new SDJwtVcInstance({
      signer: async (data: string) =>
        base64url.encode(
          new Uint8Array(
            await webcrypto.subtle.sign(
              { name: "ECDSA", hash: "SHA-256" },
              privateKey,
              new TextEncoder().encode(data),
            ),
          ),
        ),
      signAlg: "ES256",
      hasher: digest,
      hashAlg: "sha-256",
      saltGenerator: generateSalt,
    });
    const payload: SdJwtVcPayload = {
      ...input.claims,
      iss,
      vct: vctOf(input.type),
      iat: seconds(at),
      nbf: seconds(nbf),
      exp: seconds(exp),
      cnf: { jwk: holderJwk },
      status: { status_list: { idx: entry.idx, uri: entry.uri } },
    };
    // Every requested claim is a disclosure; the registered ones above stay in the signed payload. The library types
    // a frame by the payload's literal keys, and these claim names are known only at run time.
    const frame = { _sd: Object.keys(input.claims) } as Parameters<typeof instance.issue<typeof payload>>[1];
    const credential = await instance.issue(payload, frame, { header: { typ: "dc+sd-jwt", x5c: [...x5c] } });
    issued.set(issuerJwtOf(credential), { listId, entry });
    return credential;
  };

  const setStatus = (credential: string, status: CredentialStatus): void => {
    const known = issued.get(issuerJwtOf(credential));
    if (known === undefined)
      throw new SdJwtIssueError("unknownCredential", "This issuer did not issue that credential.");
    lists.set(known.listId, known.entry.idx, status);
  };

  const routes: Route[] = [
    {
      method: "POST",
      pattern: /^\/issuer\/credentials$/,
      handle: async ({ text }) => {
        const input = parseBody(text, issueSchema);
        if (!input.ok) return input.reply;
        try {
          return { status: 201, body: { credential: await issue(input.value) } };
        } catch (error) {
          if (error instanceof SdJwtIssueError) return simulatorError(400, error.code, error.message);
          if (error instanceof StatusListFull) return simulatorError(503, "statusListFull", error.message);
          throw error;
        }
      },
    },
    {
      method: "POST",
      pattern: /^\/issuer\/status$/,
      handle: ({ text }) => {
        const input = parseBody(text, statusSchema);
        if (!input.ok) return input.reply;
        try {
          setStatus(input.value.credential, input.value.status);
        } catch (error) {
          if (error instanceof SdJwtIssueError) return simulatorError(400, error.code, error.message);
          throw error;
        }
        return { status: 200, body: { status: input.value.status } };
      },
    },
    {
      method: "GET",
      pattern: /^\/issuer\/status-lists\/([^/]+)$/,
      handle: async ({ params }) => {
        const token = await lists.token(params[0] ?? "");
        if (token === undefined) return simulatorError(404, "statusListNotFound", "No such status list.");
        return { status: 200, text: token, headers: { "content-type": "application/statuslist+jwt" } };
      },
    },
  ];

  return { issue, setStatus, routes };
}

/** The issuer-signed part of an SD-JWT (or of any presentation of it): everything before the first `~`. */
function issuerJwtOf(credential: string): string {
  return credential.split("~")[0] ?? "";
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** An issuer URL given in a request: an https origin, as the catalogue's issuers are. */
function httpsIssuer(issuer: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new SdJwtIssueError("invalidIssuer", "issuer must be an https URL.");
  }
  if (url.protocol !== "https:" || url.origin !== issuer.replace(/\/$/, ""))
    throw new SdJwtIssueError(
      "invalidIssuer",
      "issuer must be an https origin, such as https://issuer.example.",
    );
  return url.origin;
}
