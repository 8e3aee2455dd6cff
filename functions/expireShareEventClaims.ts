// Timer: drops the claim values of recorded share events that reach their retention limit undelivered
// (SHARE_EVENT_RETENTION_DAYS), so no claim is kept longer than that, whatever happened to its delivery.
import type { InvocationContext, Timer } from "@azure/functions";
import { dropExpiredClaims } from "../src/app/shareEventRetention.js";
import { services } from "../src/composition.js";
import { invocationLogger } from "../src/log.js";
import type { TimerFunctionDefinition } from "./definition.js";

export async function handleExpireShareEventClaims(_timer: Timer, context: InvocationContext): Promise<void> {
  const dropped = await dropExpiredClaims(services().shareEventRecording);
  if (dropped > 0)
    invocationLogger(context).info("claim values dropped at their retention limit", { dropped });
}

export const expireShareEventClaims: TimerFunctionDefinition = {
  kind: "timer",
  name: "expireShareEventClaims",
  // Hourly: the limit is counted in days, so an hour late is well within it.
  options: { schedule: "0 17 * * * *", handler: handleExpireShareEventClaims },
};
