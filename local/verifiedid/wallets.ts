// The simulated wallets: each holds a key, a DID and credentials issued (signed as JWT VCs) for that DID by the
// simulator's issuer keys. Credentials given in the seed or over HTTP are always issued afresh for the wallet.
import { randomBytes, randomUUID } from "node:crypto";
import { type JWK, SignJWT } from "jose";
import type { WalletCredential } from "../seed/schema.js";
import { didJwkOf, type IssuerKeys, newKeyPair, SIGNING_ALG, type SigningKey } from "./keys.js";

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
    readonly jwt: string;
  }[];
};

/** The Request Service's date form: seconds precision, Z suffix. */
export function serviceDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class WalletStore {
  readonly #wallets = new Map<string, Wallet>();
  readonly #issuers: IssuerKeys;
  readonly #now: () => Date;

  constructor(issuers: IssuerKeys, now: () => Date) {
    this.#issuers = issuers;
    this.#now = now;
  }

  async create(input: {
    readonly id?: string;
    readonly did?: string;
    readonly credentials: readonly WalletCredential[];
  }): Promise<Wallet> {
    const id = input.id ?? `w-${randomBytes(9).toString("base64url")}`;
    if (this.#wallets.has(id)) throw new Error(`Wallet ${id} already exists`);
    const { privateKey, publicJwk } = await newKeyPair();
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
    const wallet: Wallet = { id, did, key, credentials };
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

  /** Marks the wallet's credentials of a type (optionally of one issuer) revoked; returns how many. */
  revoke(walletId: string, type: string, issuer?: string): number {
    const wallet = this.#wallets.get(walletId);
    if (wallet === undefined) return 0;
    let count = 0;
    for (const credential of wallet.credentials) {
      if (credential.type === type && (issuer === undefined || credential.issuer === issuer)) {
        credential.revoked = true;
        count++;
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
        jwt: credential.jwt,
      })),
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
