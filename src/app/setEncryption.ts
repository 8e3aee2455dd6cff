// SETs encrypted to the trust (API.md section 8): when the trust's encryption key cannot be read, its SET is not
// sent at all. A push is retried like one the trust's endpoint failed; a poll is answered 503 and polled again.
import { ServiceError } from "../errors.js";

/** The reason a push attempt records when the SET could not be encrypted to the trust. */
export const ENCRYPTION_KEY_UNAVAILABLE = "encryption_key_unavailable";

/** The trust's keys could not be read (its JWKS did not answer), or its encryption key cannot be used. */
export class EncryptionKeyUnavailable extends ServiceError {
  readonly trustId: string;
  /** The key the SET was signed with before it could not be encrypted, for the attempt's record. */
  readonly kid: string;

  constructor(trustId: string, kid: string, options?: { cause?: unknown }) {
    super("dependency_unavailable", "The trust's encryption key could not be read; try again.", options);
    this.trustId = trustId;
    this.kid = kid;
  }

  override logDetails() {
    return { trustId: this.trustId, kid: this.kid };
  }
}
