// One trust, one staff member's session and every port in memory, with a clock the test moves: the world the use
// case unit tests run in.
import type { AccessKeyStore, Session, StandardWallets } from "../../src/app/ports.js";
import { NHS_ENGLAND_ISSUER } from "../../src/domain/catalogue.js";
import type { CallbackReport } from "../../src/domain/presentation.js";
import type { Trust } from "../../src/domain/trust.js";
import {
  memoryAudit,
  memoryCredentialRequests,
  memoryLogger,
  memoryPayloads,
  memoryPublisher,
  memoryRequests,
  memoryShares,
  memoryTrusts,
  memoryVerifiedId,
} from "./memoryPorts.js";

export const trust: Trust = {
  id: "RTH",
  name: "Oxford University Hospitals NHS Foundation Trust",
  active: true,
  accessKeyType: "StaffPassportAccessKey",
  issuerDids: ["did:web:rth.example"],
};

export const session: Session = {
  subject: "did:jwk:holder",
  trustId: "RTH",
  staff: { staffId: "RTH-1", givenName: "Ada", familyName: "Lovelace" },
  expiresAt: new Date(Date.now() + 900_000),
  jti: "session-1",
};

/** These worlds are Verified ID's: standard wallets are exercised against the real verifier in the e2e tests. */
const noStandardWallets: StandardWallets = {
  start: () => Promise.reject(new Error("standard wallets are not part of this world")),
  requestObject: () => Promise.reject(new Error("standard wallets are not part of this world")),
  verifyResponse: () => Promise.reject(new Error("standard wallets are not part of this world")),
};

const noAccessKeys: AccessKeyStore = {
  create: () => Promise.reject(new Error("access keys are not part of this world")),
  get: () => Promise.reject(new Error("access keys are not part of this world")),
  listFor: () => Promise.reject(new Error("access keys are not part of this world")),
  change: () => Promise.reject(new Error("access keys are not part of this world")),
};

export function world() {
  let now = new Date();
  const clock = () => now;
  const deps = {
    trusts: memoryTrusts([{ ...trust }]),
    requests: memoryRequests(),
    shares: memoryShares(),
    credentialRequests: memoryCredentialRequests(),
    payloads: memoryPayloads(),
    verifiedId: memoryVerifiedId(clock),
    wallets: noStandardWallets,
    accessKeys: noAccessKeys,
    publisher: memoryPublisher(),
    log: memoryLogger(),
    audit: memoryAudit(clock),
    clock,
  };
  return { deps, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

export const identity = {
  issuer: NHS_ENGLAND_ISSUER,
  type: ["VerifiableCredential", "StaffPassportIdentity"],
  claims: { givenName: "Ada", familyName: "Lovelace" },
  revocationStatus: "VALID",
};

export function verified(shareId: string, requestId: string, credentials = [identity]): CallbackReport {
  return {
    requestId,
    state: shareId,
    status: "verified",
    presentation: { ok: true, subject: session.subject, credentials },
  };
}
