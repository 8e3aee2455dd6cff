// A receiving trust accepts or rejects a credential it received (API.md section 7). The decision is written on
// the share document with the ETag guard, so of two different decisions racing, exactly one is recorded and the
// other is a conflict; the same decision again changes nothing.
import { type DecisionInput, decideCredential } from "../domain/decision.js";
import { MINTED_ID } from "../domain/secrets.js";
import { ServiceError } from "../errors.js";
import type { AuditRecorder } from "./audit.js";
import type { Clock, ShareStore, TrustCaller } from "./ports.js";

export type DecisionDeps = { shares: ShareStore; clock: Clock; audit: AuditRecorder };

export type DecisionView = {
  readonly shareId: string;
  readonly type: string;
  readonly decision: DecisionInput["decision"];
  readonly reason?: string;
  readonly decidedAt: string;
};

/** The same answer for an unknown share, another trust's, and a type the share does not hold. */
export class SharedCredentialNotFound extends ServiceError {
  constructor() {
    super("not_found", "No share of this trust holds a credential of that type with that share id.");
  }
}

export class DecisionConflict extends ServiceError {
  constructor(why: "not_shared" | "decided") {
    super(
      "conflict",
      why === "decided"
        ? "A different decision was already recorded for this credential."
        : "The share is not shared, so its credentials cannot be decided on.",
    );
  }
}

const MAX_ATTEMPTS = 5;

export async function decideOnCredential(
  deps: DecisionDeps,
  caller: TrustCaller,
  shareId: string,
  type: string,
  input: DecisionInput,
): Promise<DecisionView> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = MINTED_ID.test(shareId)
      ? await deps.shares.findForTrust(caller.trustId, shareId)
      : undefined;
    if (stored === undefined) throw new SharedCredentialNotFound();
    const outcome = decideCredential(stored.value, type, input, deps.clock());
    switch (outcome.kind) {
      case "not_found":
        throw new SharedCredentialNotFound();
      case "conflict":
        throw new DecisionConflict(outcome.why);
      case "unchanged":
        return { shareId, type, ...outcome.decision };
      case "recorded":
        // A lost race re-reads: the other writer's decision is then either the same one or a conflict.
        if ((await deps.shares.replace(outcome.share, stored.etag)) !== undefined) {
          // The decision, not the reason: a reason the trust wrote stays with the share.
          await deps.audit({
            id: `decision.made:${shareId}:${type}`,
            action: "decision.made",
            actor: "trust",
            subject: stored.value.subject,
            trustId: caller.trustId,
            shareId,
            credentialTypes: [type],
            code: outcome.decision.decision,
          });
          return { shareId, type, ...outcome.decision };
        }
    }
  }
  throw new ServiceError("dependency_unavailable", "The share is changing too often; try again.");
}
