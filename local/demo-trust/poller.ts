// The demo trust's poll delivery (RFC 8936, API.md sections 3 and 5): for each trust it plays that receives by
// poll, every second it asks the service's `POST /api/trust/events` for waiting SETs with the trust's own token,
// acknowledging in each poll what the previous one brought (or reporting it in `setErrs` when it did not
// verify), and polls again at once while the service says more are available.
import type { DemoTrustKeys, TrustApi } from "./trustApi.js";

export type PollVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly err: string; readonly description: string };

export type Poller = {
  /** Starts or stops polling for the trust. */
  set(trustId: string, polling: boolean): void;
  polling(trustId: string): boolean;
  stop(): Promise<void>;
};

const INTERVAL_MS = 1_000;
/** A poll of up to this many events; the service answers with `moreAvailable` when more wait. */
const MAX_EVENTS = 25;

type PollAnswer = { sets?: Record<string, string>; moreAvailable?: boolean };

export function startPoller(options: {
  keys: DemoTrustKeys;
  trustApi: TrustApi;
  /** Verifies and lists one SET received by poll. */
  accept: (token: string) => Promise<PollVerdict>;
  log: (line: string) => void;
  trustIds: readonly string[];
}): Poller {
  const polling = new Set(options.trustIds);
  const acks = new Map<string, string[]>();
  const errs = new Map<string, Record<string, { err: string; description: string }>>();
  let stopped = false;
  // One round at a time: a tick that finds the last round still running skips, so slow rounds never queue up.
  let running: Promise<void> | undefined;

  const pollOnce = async (trustId: string): Promise<boolean> => {
    const token = await options.keys.token(trustId, options.trustApi.audience);
    if (token === undefined) return false;
    const ack = acks.get(trustId) ?? [];
    const setErrs = errs.get(trustId) ?? {};
    const response = await fetch(`${options.trustApi.baseUrl}/trust/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        maxEvents: MAX_EVENTS,
        returnImmediately: true,
        ...(ack.length > 0 ? { ack } : {}),
        ...(Object.keys(setErrs).length > 0 ? { setErrs } : {}),
      }),
      signal: AbortSignal.timeout(35_000),
    });
    if (response.status !== 200) {
      options.log(`[warn] demo trust poll for ${trustId} answered ${response.status}`);
      return false;
    }
    // What was acknowledged or reported is settled at the service now.
    acks.set(trustId, []);
    errs.set(trustId, {});
    const answer = (await response.json()) as PollAnswer;
    for (const [jti, set] of Object.entries(answer.sets ?? {})) {
      const verdict = await options.accept(set);
      if (verdict.ok) acks.set(trustId, [...(acks.get(trustId) ?? []), jti]);
      else
        errs.set(trustId, {
          ...errs.get(trustId),
          [jti]: { err: verdict.err, description: verdict.description },
        });
    }
    const got = Object.keys(answer.sets ?? {}).length;
    if (got > 0) options.log(`[information] demo trust polled ${got} SET(s) for ${trustId}`);
    // Something to acknowledge, or more waiting: poll again at once.
    return got > 0 || answer.moreAvailable === true;
  };

  const round = async () => {
    for (const trustId of [...polling]) {
      try {
        while (!stopped && polling.has(trustId) && (await pollOnce(trustId))) {}
      } catch (error) {
        options.log(`[warn] demo trust poll for ${trustId} failed: ${(error as Error).message}`);
      }
    }
  };

  const timer = setInterval(() => {
    running ??= round().finally(() => {
      running = undefined;
    });
  }, INTERVAL_MS);

  return {
    set(trustId, on) {
      if (on) polling.add(trustId);
      else polling.delete(trustId);
    },
    polling: (trustId) => polling.has(trustId),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
