// Presentation requests the simulator has accepted, with their lifetime and progress, kept in memory.
import { randomUUID } from "node:crypto";
import type { CreateRequestBody } from "./createRequest.js";

// What the real service answers is undocumented; five minutes is what the contract asks of the simulator.
export const REQUEST_LIFETIME_SECONDS = 5 * 60;

export type RequestStatus = "created" | "retrieved" | "verified" | "error";

export type StoredRequest = {
  readonly requestId: string;
  readonly body: CreateRequestBody;
  /** Epoch seconds, as in the create response's `expiry`. */
  expiry: number;
  status: RequestStatus;
  /** Binds the wallet's signed response to this request, as the service's request object does. */
  readonly nonce: string;
};

export class RequestStore {
  readonly #requests = new Map<string, StoredRequest>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  create(body: CreateRequestBody): StoredRequest {
    const request: StoredRequest = {
      requestId: randomUUID(),
      body,
      expiry: this.nowSeconds() + REQUEST_LIFETIME_SECONDS,
      status: "created",
      nonce: randomUUID(),
    };
    this.#requests.set(request.requestId, request);
    return request;
  }

  get(requestId: string): StoredRequest | undefined {
    return this.#requests.get(requestId);
  }

  isExpired(request: StoredRequest): boolean {
    return this.nowSeconds() >= request.expiry;
  }

  /** Makes a request expire now (for demos and tests that cannot move the clock). */
  expire(request: StoredRequest): void {
    request.expiry = Math.min(request.expiry, this.nowSeconds());
  }

  nowSeconds(): number {
    return Math.floor(this.#now().getTime() / 1000);
  }
}
