// The simulated wallets: each holds a key, a DID and credentials issued (signed as JWT VCs) for that DID by the
// simulator's issuer keys, and beside each the same credential as an SD-JWT VC bound to the wallet's key, for
// OpenID4VP. Credentials given in the seed or over HTTP are always issued afresh for the wallet.
import { randomBytes, randomUUID } from "node:crypto";
import { ES256 } from "@sd-jwt/crypto-nodejs";
import { decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { ACCESS_KEY_TYPE, sdJwtClaimName, shareableCredentialType } from "../../src/domain/catalogue.js";
import type { WalletCredential } from "../seed/schema.js";
import { didJwkOf, type IssuerKeys, SIGNING_ALG, type SigningKey } from "./keys.js";

/** The formats a wallet holds: Verified ID's JWT VCs and OpenID4VP's SD-JWT VCs. */
export type CredentialFormat = "jwt_vc_json" | "dc+sd-jwt";

/** What the wallets need of the simulator's SD-JWT VC issuer (API.md section 9). */
export type SdJwtIssuing = {
  issue(input: {
    readonly type: string;
    readonly claims: Readonly<Record<string, unknown>>;
    readonly holderJwk: JWK;
    readonly validFrom?: string;
    readonly validUntil?: string;
  }): Promise<string>;
  setStatus(credential: string, status: "valid" | "revoked"): void;
};

/** An SD-JWT VC the wallet holds, bound (cnf) to the wallet's own key; the twin of a JWT VC of the same claims. */
export type HeldSdJwt = {
  /** Unique in its wallet, distinct from the JWT VCs' ids. */
  readonly id: string;
  readonly type: string;
  /** The SD-JWT VC's `iss` (an https URL). */
  readonly issuer: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly issuanceDate: string;
  readonly expirationDate?: string;
  revoked: boolean;
  /** The id of the JWT VC it mirrors: revoking that one revokes this one. */
  readonly twinId: string;
  /** The issued SD-JWT with every disclosure and its trailing `~`, no key binding. */
  readonly credential: string;
};

/** Signs the key binding JWT's input with the wallet's key (the signer the SD-JWT library expects). */
export type HolderSigner = (data: string) => Promise<string>;

export type HeldCredential = {
  /** Unique in its wallet; what `choose` names when several credentials fit a requested type. */
  readonly id: string;
  readonly type: string;
  readonly issuer: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly issuanceDate: string;
  readonly expirationDate?: string;
  revoked: boolean;
  /** The signed JWT verifiable credential. */
  readonly jwt: string;
};

export type Wallet = {
  readonly id: string;
  readonly did: string;
  readonly key: SigningKey;
  readonly credentials: HeldCredential[];
  readonly sdJwts: HeldSdJwt[];
  readonly holderSigner: HolderSigner;
};

/** What GET /wallet/wallets/{id} returns; its credentials can be posted back to create a copy. */
export type WalletView = {
  readonly walletId: string;
  readonly did: string;
  readonly publicJwk: JWK;
  readonly credentials: readonly {
    readonly id: string;
    readonly type: string;
    readonly issuer: string;
    readonly claims: Readonly<Record<string, unknown>>;
    readonly issuanceDate: string;
    readonly expirationDate?: string;
    readonly revoked: boolean;
    readonly format: "jwt_vc_json";
    readonly jwt: string;
  }[];
  /** The SD-JWT VCs, apart so that a copy posted back from `credentials` is issued in both formats once. */
  readonly sdJwtCredentials: readonly {
    readonly id: string;
    readonly type: string;
    readonly issuer: string;
    readonly claims: Readonly<Record<string, unknown>>;
    readonly issuanceDate: string;
    readonly expirationDate?: string;
    readonly revoked: boolean;
    readonly format: "dc+sd-jwt";
    readonly credential: string;
  }[];
};

/** The Request Service's date form: seconds precision, Z suffix. */
export function serviceDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class WalletStore {
  readonly #wallets = new Map<string, Wallet>();
  readonly #issuers: IssuerKeys;
  readonly #sdJwtIssuer: SdJwtIssuing;
  readonly #now: () => Date;

  constructor(issuers: IssuerKeys, sdJwtIssuer: SdJwtIssuing, now: () => Date) {
    this.#issuers = issuers;
    this.#sdJwtIssuer = sdJwtIssuer;
    this.#now = now;
  }

  async create(input: {
    readonly id?: string;
    readonly did?: string;
    readonly credentials: readonly WalletCredential[];
  }): Promise<Wallet> {
    const id = input.id ?? `w-${randomBytes(9).toString("base64url")}`;
    if (this.#wallets.has(id)) throw new Error(`Wallet ${id} already exists`);
    // Extractable, unlike the issuers' keys, because the SD-JWT library's signer takes the private key as a JWK.
    const pair = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const privateKey = pair.privateKey;
    const { kty, crv, x, y } = await exportJWK(pair.publicKey);
    if (kty === undefined || crv === undefined || x === undefined || y === undefined) {
      throw new Error("Unexpected public key export");
    }
    const publicJwk: JWK = { kty, crv, x, y };
    const holderSigner = await ES256.getSigner(await exportJWK(privateKey));
    const did = input.did ?? didJwkOf(publicJwk);
    // did:jwk has a single verification method, "#0".
    const key: SigningKey = {
      privateKey,
      publicJwk,
      kid: input.did === undefined ? `${did}#0` : `${did}#key-1`,
    };
    const credentials = await Promise.all(
      input.credentials.map((credential, index) => this.#issue(did, credential, `c${index + 1}`)),
    );
    const sdJwts = await Promise.all(
      credentials.map((credential, index) => this.#issueSdJwt(publicJwk, credential, `s${index + 1}`)),
    );
    const wallet: Wallet = {
      id,
      did,
      key,
      credentials,
      sdJwts: sdJwts.filter((held) => held !== undefined),
      holderSigner,
    };
    this.#wallets.set(id, wallet);
    return wallet;
  }

  get(id: string): Wallet | undefined {
    return this.#wallets.get(id);
  }

  /** Every wallet's id, in the order they were created (seeded ones first). */
  ids(): string[] {
    return [...this.#wallets.keys()];
  }

  /** Issues one more credential into the wallet, in both formats, as an accepted issuance offer does. */
  async issueInto(wallet: Wallet, credential: WalletCredential): Promise<HeldCredential> {
    const held = await this.#issue(wallet.did, credential, `c${wallet.credentials.length + 1}`);
    const twin = await this.#issueSdJwt(wallet.key.publicJwk, held, `s${wallet.sdJwts.length + 1}`);
    wallet.credentials.push(held);
    if (twin !== undefined) wallet.sdJwts.push(twin);
    return held;
  }

  /** Revokes one credential of the wallet by its id, and its SD-JWT VC twin in its status list. */
  revokeById(walletId: string, credentialId: string): boolean {
    const wallet = this.#wallets.get(walletId);
    const credential = wallet?.credentials.find((held) => held.id === credentialId);
    if (wallet === undefined || credential === undefined) return false;
    credential.revoked = true;
    for (const twin of wallet.sdJwts.filter((held) => held.twinId === credential.id)) {
      twin.revoked = true;
      this.#sdJwtIssuer.setStatus(twin.credential, "revoked");
    }
    return true;
  }

  /** Marks the wallet's credentials of a type (optionally of one issuer) revoked; returns how many. */
  revoke(walletId: string, type: string, issuer?: string): number {
    const wallet = this.#wallets.get(walletId);
    if (wallet === undefined) return 0;
    let count = 0;
    for (const credential of wallet.credentials) {
      if (credential.type === type && (issuer === undefined || credential.issuer === issuer)) {
        credential.revoked = true;
        count++;
        for (const twin of wallet.sdJwts.filter((held) => held.twinId === credential.id)) {
          twin.revoked = true;
          this.#sdJwtIssuer.setStatus(twin.credential, "revoked");
        }
      }
    }
    return count;
  }

  view(wallet: Wallet): WalletView {
    return {
      walletId: wallet.id,
      did: wallet.did,
      publicJwk: wallet.key.publicJwk,
      credentials: wallet.credentials.map((credential) => ({
        id: credential.id,
        type: credential.type,
        issuer: credential.issuer,
        claims: credential.claims,
        issuanceDate: credential.issuanceDate,
        ...(credential.expirationDate !== undefined ? { expirationDate: credential.expirationDate } : {}),
        revoked: credential.revoked,
        format: "jwt_vc_json" as const,
        jwt: credential.jwt,
      })),
      sdJwtCredentials: wallet.sdJwts.map((held) => ({
        id: held.id,
        type: held.type,
        issuer: held.issuer,
        claims: held.claims,
        issuanceDate: held.issuanceDate,
        ...(held.expirationDate !== undefined ? { expirationDate: held.expirationDate } : {}),
        revoked: held.revoked,
        format: "dc+sd-jwt" as const,
        credential: held.credential,
      })),
    };
  }

  /**
   * The SD-JWT VC twin of a JWT VC, with the same claims and dates, bound to the holder's key; its status list
   * entry says revoked when the twin is. Types outside the catalogue (and access keys without a trust) have no
   * SD-JWT VC type, so they stay JWT VCs only.
   */
  async #issueSdJwt(holderJwk: JWK, twin: HeldCredential, id: string): Promise<HeldSdJwt | undefined> {
    const known =
      twin.type === ACCESS_KEY_TYPE
        ? typeof twin.claims.trustId === "string"
        : shareableCredentialType(twin.type) !== undefined;
    if (!known) return undefined;
    // A claim whose name SD-JWT VC registers (a `status`) travels under the catalogue's SD-JWT VC name for it.
    const claims = Object.fromEntries(
      Object.entries(twin.claims).map(([name, value]) => [sdJwtClaimName(twin.type, name), value]),
    );
    let credential: string;
    try {
      credential = await this.#sdJwtIssuer.issue({
        type: twin.type,
        claims,
        holderJwk,
        validFrom: twin.issuanceDate,
        ...(twin.expirationDate !== undefined ? { validUntil: twin.expirationDate } : {}),
      });
    } catch {
      // The issuer refuses what it cannot issue (a claim an SD-JWT VC reserves that the catalogue does not rename):
      // such a credential stays a JWT VC only, and an OpenID4VP request finds it missing.
      return undefined;
    }
    if (twin.revoked) this.#sdJwtIssuer.setStatus(credential, "revoked");
    const { iss } = decodeJwt(credential.split("~")[0] ?? "");
    return {
      id,
      type: twin.type,
      issuer: iss ?? "",
      claims,
      issuanceDate: twin.issuanceDate,
      ...(twin.expirationDate !== undefined ? { expirationDate: twin.expirationDate } : {}),
      revoked: twin.revoked,
      twinId: twin.id,
      credential,
    };
  }

  async #issue(holderDid: string, credential: WalletCredential, id: string): Promise<HeldCredential> {
    const issuanceDate = credential.issuanceDate ?? serviceDate(this.#now());
    const key = await this.#issuers.keyFor(credential.issuer);
    // A JWT VC per the VC Data Model 1.1 JWT encoding: nbf/exp carry the dates, sub binds it to the holder.
    const builder = new SignJWT({
      vc: {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        type: ["VerifiableCredential", credential.type],
        credentialSubject: { ...credential.claims },
      },
    })
      .setProtectedHeader({ alg: SIGNING_ALG, typ: "JWT", kid: key.kid })
      .setIssuer(credential.issuer)
      .setSubject(holderDid)
      .setJti(`urn:uuid:${randomUUID()}`)
      .setIssuedAt(toSeconds(issuanceDate))
      .setNotBefore(toSeconds(issuanceDate));
    if (credential.expirationDate !== undefined)
      builder.setExpirationTime(toSeconds(credential.expirationDate));
    const jwt = await builder.sign(key.privateKey);
    return {
      id,
      type: credential.type,
      issuer: credential.issuer,
      claims: { ...credential.claims },
      issuanceDate,
      ...(credential.expirationDate !== undefined ? { expirationDate: credential.expirationDate } : {}),
      revoked: credential.revoked ?? false,
      jwt,
    };
  }
}

function toSeconds(date: string): number {
  return Math.floor(Date.parse(date) / 1000);
}
