// A receiving trust's decision on one shared credential (API.md section 7): accepted, or rejected with a reason.
// It is written on the share document, on the credential it is about. A decision is made once: the same one
// again changes nothing, and a different one is a conflict, so a trust's HR system can retry safely.
import type { CredentialDecision, Share } from "./share.js";

export type DecisionInput = {
  readonly decision: CredentialDecision["decision"];
  readonly reason?: string;
};

export type DecisionOutcome =
  /** The share with the decision on it, to be written. */
  | { readonly kind: "recorded"; readonly share: Share; readonly decision: CredentialDecision }
  /** The same decision was already recorded: nothing to write. */
  | { readonly kind: "unchanged"; readonly decision: CredentialDecision }
  /** A type the share does not hold. */
  | { readonly kind: "not_found" }
  /** The share is not `shared`, or the credential already has a different decision. */
  | { readonly kind: "conflict"; readonly why: "not_shared" | "decided" };

/** The same decision: the same verdict with the same reason (a rejection for another reason is another one). */
function sameDecision(recorded: CredentialDecision, input: DecisionInput): boolean {
  return recorded.decision === input.decision && (recorded.reason ?? "") === (input.reason ?? "");
}

export function decideCredential(
  share: Share,
  type: string,
  input: DecisionInput,
  now: Date,
): DecisionOutcome {
  if (!share.credentialTypes.includes(type)) return { kind: "not_found" };
  const { progress } = share;
  if (progress.status !== "shared") return { kind: "conflict", why: "not_shared" };
  const credential = progress.credentials.find((shared) => shared.type === type);
  if (credential === undefined) return { kind: "not_found" };
  if (credential.decision !== undefined) {
    return sameDecision(credential.decision, input)
      ? { kind: "unchanged", decision: credential.decision }
      : { kind: "conflict", why: "decided" };
  }
  const decision: CredentialDecision = {
    decision: input.decision,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    decidedAt: now.toISOString(),
  };
  const credentials = progress.credentials.map((shared) =>
    shared.type === type ? { ...shared, decision } : shared,
  );
  return { kind: "recorded", share: { ...share, progress: { ...progress, credentials } }, decision };
}
