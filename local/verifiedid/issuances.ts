// Issuance requests the simulator has accepted (the offers a wallet opens with the PIN), and the credentials it
// issued through them, indexed as the Admin API searches them, kept in memory.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ACCESS_KEY_TYPE } from "../../src/domain/catalogue.js";
import { contractIdOf, type IssuanceRequestBody } from "./issuanceRequest.js";
import { REQUEST_LIFETIME_SECONDS } from "./requests.js";

/**
 * Wrong PINs an offer takes before it ends with issuance_error. Authenticator's own limit is undocumented; ending
 * the offer bounds guessing a 4-digit PIN to a handful of tries instead of as many as five minutes allow.
 */
export const MAX_PIN_ATTEMPTS = 5;

/** The claim each contract indexes for revocation; Microsoft allows exactly one, and none means no revocation. */
const INDEXED_CLAIMS: Readonly<Record<string, string>> = { [ACCESS_KEY_TYPE]: "accessKeyId" };

export type IssuanceStatus = "created" | "retrieved" | "issuing" | "issued" | "error";

export type StoredIssuance = {
  readonly requestId: string;
  readonly body: IssuanceRequestBody;
  /** Epoch seconds, as in the create response's `expiry`. */
  expiry: number;
  status: IssuanceStatus;
  wrongPins: number;
};

/** A credential issued through an offer, as the Admin API knows it. */
export type IssuedCredential = {
  /** The Admin API's id, `urn:pic:<32 hex>`. */
  readonly id: string;
  readonly authorityId: string;
  readonly contractId: string;
  /** Base64(SHA-256(contractId + indexed claim value)), or undefined when the contract indexes no claim. */
  readonly indexClaimHash: string | undefined;
  readonly walletId: string;
  /** The credential's id in its wallet. */
  readonly walletCredentialId: string;
  /** Epoch milliseconds. */
  readonly issuedAt: number;
  revoked: boolean;
};

/**
 * The Admin API's authority id for an issuer DID: a GUID derived from the DID, so that it is the same on every run
 * and a local configuration can name it.
 */
export function authorityIdOf(did: string): string {
  const hex = createHash("sha256").update(did, "utf8").digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The hash the Admin API's `indexclaimhash eq` filter takes, as Microsoft documents it. */
export function indexClaimHash(contractId: string, claimValue: string): string {
  return createHash("sha256")
    .update(contractId + claimValue, "utf8")
    .digest("base64");
}

export class IssuanceStore {
  readonly #offers = new Map<string, StoredIssuance>();
  readonly #issued = new Map<string, IssuedCredential>();
  /** Issuer DIDs that have issued through the Admin API's authority ids, in first-use order. */
  readonly #authorities = new Map<string, string>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  create(body: IssuanceRequestBody): StoredIssuance {
    const offer: StoredIssuance = {
      requestId: randomUUID(),
      body,
      expiry: this.nowSeconds() + REQUEST_LIFETIME_SECONDS,
      status: "created",
      wrongPins: 0,
    };
    this.#offers.set(offer.requestId, offer);
    this.#authorities.set(authorityIdOf(body.authority), body.authority);
    return offer;
  }

  get(requestId: string): StoredIssuance | undefined {
    return this.#offers.get(requestId);
  }

  isExpired(offer: StoredIssuance): boolean {
    return this.nowSeconds() >= offer.expiry;
  }

  /** Makes an offer expire now (for demos and tests that cannot move the clock). */
  expire(offer: StoredIssuance): void {
    offer.expiry = Math.min(offer.expiry, this.nowSeconds());
  }

  /** Records a credential issued through the offer, indexed by its contract's claim. */
  record(offer: StoredIssuance, walletId: string, walletCredentialId: string): IssuedCredential {
    const contractId = contractIdOf(offer.body.manifest);
    const indexedClaim = INDEXED_CLAIMS[offer.body.type];
    const indexedValue = indexedClaim === undefined ? undefined : offer.body.claims?.[indexedClaim];
    const issued: IssuedCredential = {
      id: `urn:pic:${randomBytes(16).toString("hex")}`,
      authorityId: authorityIdOf(offer.body.authority),
      contractId,
      indexClaimHash: indexedValue === undefined ? undefined : indexClaimHash(contractId, indexedValue),
      walletId,
      walletCredentialId,
      issuedAt: this.#now().getTime(),
      revoked: false,
    };
    this.#issued.set(issued.id, issued);
    return issued;
  }

  /** The credentials of a contract whose indexed claim hashes to `hash`. */
  search(authorityId: string, contractId: string, hash: string): IssuedCredential[] {
    return [...this.#issued.values()].filter(
      (issued) =>
        issued.authorityId === authorityId &&
        issued.contractId === contractId &&
        issued.indexClaimHash !== undefined &&
        issued.indexClaimHash === hash,
    );
  }

  issuedCredential(authorityId: string, contractId: string, id: string): IssuedCredential | undefined {
    const issued = this.#issued.get(id);
    return issued?.authorityId === authorityId && issued.contractId === contractId ? issued : undefined;
  }

  authorities(): { readonly id: string; readonly did: string }[] {
    return [...this.#authorities].map(([id, did]) => ({ id, did }));
  }

  nowSeconds(): number {
    return Math.floor(this.#now().getTime() / 1000);
  }
}
