// Timer: deletes the payloads (claim values) of share events that reach their retention limit undelivered
// (SHARE_EVENT_RETENTION_DAYS), so no claim is kept longer than that whatever happened to its delivery, and drops
// the free text of credential requests closed for that long.
import type { InvocationContext, Timer } from "@azure/functions";
import { applyRetention } from "../src/app/shareEventRetention.js";
import { services } from "../src/composition.js";
import { invocationLogger } from "../src/log.js";
import type { TimerFunctionDefinition } from "./definition.js";

export async function handleExpireShareEventClaims(_timer: Timer, context: InvocationContext): Promise<void> {
  const dropped = await applyRetention(services().shareEventRetention);
  if (dropped.payloads + dropped.requests > 0)
    invocationLogger(context).info(
      "share event payloads and request texts dropped at their retention limit",
      {
        payloads: dropped.payloads,
        requests: dropped.requests,
      },
    );
}

export const expireShareEventClaims: TimerFunctionDefinition = {
  kind: "timer",
  name: "expireShareEventClaims",
  // Hourly: the limit is counted in days, so an hour late is well within it.
  options: { schedule: "0 17 * * * *", handler: handleExpireShareEventClaims },
};
