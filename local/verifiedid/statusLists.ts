// The local issuers' Token Status Lists: one list per issuer, each credential at its own unpredictable index, and the
// signed status list token a verifier fetches (API.md section 9; Token Status List -14).
import { randomBytes } from "node:crypto";
import {
  createHeaderAndPayload,
  createStatusListIndexAllocator,
  StatusList,
  type StatusListIndexAllocator,
  StatusType,
} from "@owf/token-status-list";
import { digest } from "@sd-jwt/crypto-nodejs";
import { SignJWT } from "jose";
import type { LocalCertificates } from "../openid4vp/ca.js";

/** Entries per list. Fixed, so that a list's size says nothing about how many credentials were issued. */
export const STATUS_LIST_SIZE = 1024;
/** How long a verifier may cache a status list token (the token's `ttl`, seconds). */
export const STATUS_LIST_TTL_SECONDS = 300;
const TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

export type CredentialStatus = "valid" | "revoked";

export type StatusEntry = { readonly idx: number; readonly uri: string };

type IssuerList = {
  readonly listId: string;
  readonly issuerUrl: string;
  readonly list: StatusList;
  readonly allocator: StatusListIndexAllocator;
};

export class StatusListFull extends Error {}

export class StatusLists {
  readonly #certificates: LocalCertificates;
  readonly #baseUrl: () => string;
  readonly #now: () => Date;
  readonly #byIssuer = new Map<string, Promise<IssuerList>>();
  readonly #byId = new Map<string, IssuerList>();

  constructor(certificates: LocalCertificates, baseUrl: () => string, now: () => Date) {
    this.#certificates = certificates;
    this.#baseUrl = baseUrl;
    this.#now = now;
  }

  /** Takes an unused index, at random, in the issuer's list; its entry starts valid. */
  async allocate(issuerUrl: string): Promise<{ readonly listId: string; readonly entry: StatusEntry }> {
    const issuerList = await this.#listOf(issuerUrl);
    if (issuerList.allocator.remaining() === 0)
      throw new StatusListFull(`The status list of ${issuerUrl} has no unused entry.`);
    const idx = issuerList.allocator.next();
    return { listId: issuerList.listId, entry: { idx, uri: this.uriOf(issuerList.listId) } };
  }

  set(listId: string, idx: number, status: CredentialStatus): void {
    const issuerList = this.#byId.get(listId);
    if (issuerList === undefined) throw new Error(`No status list ${listId}.`);
    issuerList.list.setStatus(idx, status === "revoked" ? StatusType.Invalid : StatusType.Valid);
  }

  uriOf(listId: string): string {
    return `${this.#baseUrl()}/issuer/status-lists/${encodeURIComponent(listId)}`;
  }

  /** The list as a status list token signed by its issuer's certified key, or undefined for an unknown list. */
  async token(listId: string): Promise<string | undefined> {
    const issuerList = this.#byId.get(listId);
    if (issuerList === undefined) return undefined;
    const { x5c, privateKey } = await this.#certificates.issuers.certify(issuerList.issuerUrl);
    const iat = Math.floor(this.#now().getTime() / 1000);
    const { header, payload } = createHeaderAndPayload(
      issuerList.list,
      {
        sub: this.uriOf(listId),
        iat,
        exp: iat + TOKEN_LIFETIME_SECONDS,
        ttl: STATUS_LIST_TTL_SECONDS,
      },
      { alg: "ES256", typ: "statuslist+jwt", x5c: [...x5c] },
    );
    return new SignJWT(payload)
      .setProtectedHeader({ ...header, alg: "ES256", typ: "statuslist+jwt", x5c: [...x5c] })
      .sign(privateKey);
  }

  #listOf(issuerUrl: string): Promise<IssuerList> {
    let issuerList = this.#byIssuer.get(issuerUrl);
    if (issuerList === undefined) {
      // The list is named after the issuer's host: one list per issuer, and the name tells nothing about a holder.
      const listId = new URL(issuerUrl).host;
      issuerList = createStatusListIndexAllocator(
        // The seed is private to this run, so the order indexes are handed out in cannot be predicted.
        { length: STATUS_LIST_SIZE, seed: new Uint8Array(randomBytes(32)) },
        { hasher: digest },
      ).then((allocator) => {
        const made = {
          listId,
          issuerUrl,
          list: new StatusList(new Array<number>(STATUS_LIST_SIZE).fill(StatusType.Valid), 1),
          allocator,
        };
        this.#byId.set(listId, made);
        return made;
      });
      this.#byIssuer.set(issuerUrl, issuerList);
    }
    return issuerList;
  }
}
