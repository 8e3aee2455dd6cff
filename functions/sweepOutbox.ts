// Timer: publishes share events still waiting in an outbox (Service Bus was unreachable when the share was
// verified, or the instance stopped in between), so that no event is lost between the callback and the topic. An
// event that keeps failing is tried later each time and then parked (src/app/outbox.ts): GET /api/health reports
// it and `npm run outbox` releases it.
import type { InvocationContext, Timer } from "@azure/functions";
import { measureUnacknowledged, sweepOutbox as sweep } from "../src/app/outbox.js";
import { services } from "../src/composition.js";
import { describeError, invocationLogger } from "../src/log.js";
import type { TimerFunctionDefinition } from "./definition.js";

export async function handleSweepOutbox(_timer: Timer, context: InvocationContext): Promise<void> {
  const log = invocationLogger(context);
  const { published, pending } = await sweep({ ...services(), log });
  if (published > 0 || pending > 0) log.info("outbox swept", { published, pending });
  // The backlog at the trusts, for the alert on an event unacknowledged for an hour; a failure here is only a gap.
  await measureUnacknowledged({
    events: services().shareEventDelivery.events,
    clock: services().clock,
  }).catch((error: unknown) => log.warn("unacknowledged events not measured", describeError(error)));
}

export const sweepOutbox: TimerFunctionDefinition = {
  kind: "timer",
  name: "sweepOutbox",
  // From the app setting: every 5 minutes in Azure, so an idle app is not kept awake; every 10 seconds locally.
  options: { schedule: "%OUTBOX_SWEEP_SCHEDULE%", handler: handleSweepOutbox },
};
