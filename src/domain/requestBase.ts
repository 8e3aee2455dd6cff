// What every Verified ID or OpenID4VP request record holds, whatever it is for; each kind of request (login, share,
// access key) extends it, and verifiedIdRequest.ts joins the kinds, so this module imports none of them.

/** What every kind of request records: our id, Verified ID's id, the callback key's hash, the trust, times. */
export type RequestBase = {
  /** Our id, minted with mintId; also the `state` every callback must echo. */
  readonly id: string;
  /** The Request Service's `requestId`; a callback must name it together with `state`. */
  readonly verifiedIdRequestId: string;
  /** Hash of the per-request `api-key` the callback must carry. */
  readonly apiKeyHash: string;
  /** The trust whose portal made the request. */
  readonly trustId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /**
   * Set on every request whose callback URL ends with its id. A record without it was made before callbacks
   * carried the id in their path, and only such a record may still be called back at the old path.
   */
  readonly callbackInPath?: true;
  /**
   * Present on a request a standard wallet answers over OpenID4VP (API.md section 9) instead of Verified ID. Such
   * a record is never moved by a Verified ID callback: its `apiKeyHash` is of a key nobody was given.
   */
  readonly openid4vp?: Openid4vpRecord;
};

/**
 * What an OpenID4VP request keeps to check its response: the nonce every key binding JWT must carry, and the
 * private half of the key the wallet encrypts its response to, made for this request alone.
 */
export type Openid4vpRecord = {
  readonly nonce: string;
  /** A P-256 private JWK; it decrypts nothing but responses to this request. */
  readonly responseKey: Readonly<Record<string, string>>;
};
