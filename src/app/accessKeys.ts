// Access keys (API.md section 10): a trust issues one to a member of staff through a Verified ID issuance request
// with a PIN the trust passes on by another channel, lists a staff member's keys, and revokes one through
// Verified ID's Admin API, after which a login with it is refused as `credential_revoked`.
import { randomInt } from "node:crypto";
import {
  ACCESS_KEY_PIN_LENGTH,
  ACCESS_KEY_VALIDITY_DAYS,
  type AccessKey,
  type AccessKeyRequest,
  type AccessKeyView,
  accessKeyView,
} from "../domain/accessKey.js";
import { hashSecret, MINTED_ID, mintId } from "../domain/secrets.js";
import { ServiceError } from "../errors.js";
import type { AuditRecorder } from "./audit.js";
import type {
  AccessKeyStore,
  Clock,
  RequestStore,
  TrustCaller,
  TrustDirectory,
  VerifiedIdAdmin,
  VerifiedIdClient,
} from "./ports.js";
import { REQUEST_TTL_SECONDS } from "./presentationRequests.js";

export type AccessKeyDeps = {
  trusts: TrustDirectory;
  verifiedId: VerifiedIdClient;
  verifiedIdAdmin: VerifiedIdAdmin;
  requests: RequestStore;
  accessKeys: AccessKeyStore;
  clock: Clock;
  audit: AuditRecorder;
};

/** At most this many of one staff member's access keys are listed; nobody is issued more than a handful. */
export const ACCESS_KEYS_LIMIT = 100;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The same answer for an unknown access key and another trust's. */
export class AccessKeyNotFound extends ServiceError {
  constructor() {
    super("not_found", "No access key with that id was issued by this trust.");
  }
}

export class AccessKeyNotIssued extends ServiceError {
  constructor(status: string) {
    super("conflict", `The access key is ${status}; only an issued access key can be revoked.`);
  }
}

/** The trust's directory entry names no access key contract, so Verified ID has nothing to issue from. */
export class NoAccessKeyManifest extends ServiceError {
  constructor() {
    super(
      "conflict",
      "The trust has no access key manifest in the directory; an operator must set accessKeyManifest first.",
    );
  }
}

/** Verified ID found nothing to revoke: the key stays issued, since a login with it would still be accepted. */
export class NothingRevoked extends ServiceError {
  constructor() {
    super("verified_id_failed", "Verified ID found no credential indexed by this access key's id.");
  }
}

export type NewAccessKeyInput = {
  readonly staffId: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly jobTitle: string;
};

/** What the trust gives the person: the link or QR code to accept, and the PIN (given only here, stored nowhere). */
export type OfferedAccessKey = {
  readonly accessKeyId: string;
  readonly staffId: string;
  readonly status: "offered";
  readonly url: string;
  readonly qrCode: string;
  readonly pin: string;
  readonly expiresAt: string;
};

/** A PIN of uniformly random digits. */
function newPin(): string {
  return Array.from({ length: ACCESS_KEY_PIN_LENGTH }, () => String(randomInt(10))).join("");
}

/**
 * Asks Verified ID for the issuance request, then stores the access key and the request record its callbacks
 * find. If Verified ID fails, nothing is stored; if storing fails, the orphaned offer simply expires unaccepted.
 */
export async function issueAccessKey(
  deps: AccessKeyDeps,
  caller: TrustCaller,
  input: NewAccessKeyInput,
): Promise<OfferedAccessKey> {
  const trust = await deps.trusts.get(caller.trustId);
  // requireTrust has checked the trust is active; only a change to the directory since then leaves it unknown.
  if (trust === undefined)
    throw new ServiceError("unknown_trust", "The trust is no longer in the directory.");
  // The manifest is an operator's setting that a trust registered before access keys may still lack.
  if (trust.accessKeyManifest === undefined) throw new NoAccessKeyManifest();
  const accessKeyId = mintId();
  const requestId = mintId();
  const pin = newPin();
  const now = deps.clock();
  const validUntil = new Date(now.getTime() + ACCESS_KEY_VALIDITY_DAYS * DAY_MS);
  // The credential is issued by the trust's first issuer DID, one its logins accept.
  const authority = trust.issuerDids[0];
  const created = await deps.verifiedId.createIssuanceRequest({
    authority,
    clientName: trust.name,
    type: trust.accessKeyType,
    manifest: trust.accessKeyManifest,
    state: requestId,
    pin,
    // What a login reads of the access key (acceptPresentation), and the id its revocation is indexed by.
    claims: {
      trustId: trust.id,
      staffId: input.staffId,
      givenName: input.givenName,
      familyName: input.familyName,
      jobTitle: input.jobTitle,
      accessKeyId,
    },
    expirationDate: validUntil,
  });
  const key: AccessKey = {
    id: accessKeyId,
    trustId: trust.id,
    staffId: input.staffId,
    status: "offered",
    requestId,
    authority,
    manifest: trust.accessKeyManifest,
    createdAt: now.toISOString(),
    offerExpiresAt: created.expiresAt.toISOString(),
    validUntil: validUntil.toISOString(),
  };
  const request: AccessKeyRequest = {
    kind: "accessKey",
    id: requestId,
    verifiedIdRequestId: created.requestId,
    apiKeyHash: hashSecret(created.apiKey),
    trustId: trust.id,
    createdAt: now.toISOString(),
    expiresAt: created.expiresAt.toISOString(),
    callbackInPath: true,
    accessKeyId,
  };
  await deps.accessKeys.create(key);
  await deps.requests.create(request, REQUEST_TTL_SECONDS);
  await deps.audit({
    id: `access_key.offered:${accessKeyId}`,
    action: "access_key.offered",
    actor: "trust",
    trustId: trust.id,
    accessKeyId,
    staffId: input.staffId,
  });
  return {
    accessKeyId,
    staffId: input.staffId,
    status: "offered",
    url: created.url,
    qrCode: created.qrCode ?? "",
    pin,
    expiresAt: created.expiresAt.toISOString(),
  };
}

export async function listAccessKeys(
  deps: Pick<AccessKeyDeps, "accessKeys" | "clock">,
  caller: TrustCaller,
  staffId: string,
): Promise<{ accessKeys: AccessKeyView[] }> {
  const now = deps.clock();
  const keys = await deps.accessKeys.listFor(caller.trustId, staffId, ACCESS_KEYS_LIMIT);
  return { accessKeys: keys.map((key) => accessKeyView(key, now)) };
}

/**
 * Revokes the credential at Verified ID first, then marks the key revoked with a write conditional on its being
 * issued. A call that failed in between leaves the key issued, and the trust's retry revokes again harmlessly.
 */
export async function revokeAccessKey(
  deps: Pick<AccessKeyDeps, "accessKeys" | "verifiedIdAdmin" | "clock" | "audit">,
  caller: TrustCaller,
  accessKeyId: string,
): Promise<void> {
  // An id we could never have minted is unknown without asking the store; the partition is the caller's own.
  const key = MINTED_ID.test(accessKeyId)
    ? await deps.accessKeys.get(caller.trustId, accessKeyId)
    : undefined;
  if (key === undefined) throw new AccessKeyNotFound();
  if (key.status !== "issued") throw new AccessKeyNotIssued(key.status);
  const revoked = await deps.verifiedIdAdmin.revokeByIndexedClaim({
    authority: key.authority,
    manifest: key.manifest,
    claimValue: key.id,
  });
  if (revoked === 0) throw new NothingRevoked();
  const at = deps.clock().toISOString();
  const changed = await deps.accessKeys.change(caller.trustId, key.id, {
    from: "issued",
    set: { status: "revoked", revokedAt: at },
  });
  // Another revocation of the same key got there first: it is revoked either way.
  if (!changed) {
    const now = await deps.accessKeys.get(caller.trustId, key.id);
    if (now?.status !== "revoked") throw new AccessKeyNotIssued(now?.status ?? "unknown");
  }
  await deps.audit({
    id: `access_key.revoked:${key.id}`,
    action: "access_key.revoked",
    actor: "trust",
    trustId: caller.trustId,
    accessKeyId: key.id,
    staffId: key.staffId,
  });
}
