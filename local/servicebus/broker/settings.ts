// Turns Config.json properties into the settings the broker works with, filling in the defaults of
// Microsoft's emulator so that a file means the same thing to both.
import { parseDuration } from "../config/duration.js";
import type { QueueConfig, SubscriptionConfig, TopicConfig } from "../config/schema.js";

export interface EntitySettings {
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
  readonly defaultTtlMs: number;
  readonly deadLetterOnExpiration: boolean;
  readonly requiresSession: boolean;
  readonly forwardTo: string | undefined;
  readonly forwardDeadLetteredTo: string | undefined;
}

export interface SendSettings {
  readonly duplicateWindowMs: number | undefined;
  readonly defaultTtlMs: number;
}

const DEFAULTS = {
  maxDeliveryCount: 3,
  lockDuration: "PT1M",
  defaultTtl: "PT1H",
  duplicateWindow: "PT20S",
};

function ms(text: string | undefined, fallback: string): number {
  return parseDuration(text ?? fallback) ?? (parseDuration(fallback) as number);
}

const target = (name: string | undefined): string | undefined =>
  name === undefined || name === "" ? undefined : name;

export function receiveSettings(config: QueueConfig | SubscriptionConfig): EntitySettings {
  const p = config.Properties ?? {};
  return {
    maxDeliveryCount: p.MaxDeliveryCount ?? DEFAULTS.maxDeliveryCount,
    lockDurationMs: ms(p.LockDuration, DEFAULTS.lockDuration),
    defaultTtlMs: ms(p.DefaultMessageTimeToLive, DEFAULTS.defaultTtl),
    deadLetterOnExpiration: p.DeadLetteringOnMessageExpiration ?? false,
    requiresSession: p.RequiresSession ?? false,
    forwardTo: target(p.ForwardTo),
    forwardDeadLetteredTo: target(p.ForwardDeadLetteredMessagesTo),
  };
}

export function sendSettings(config: QueueConfig | TopicConfig): SendSettings {
  const p = config.Properties ?? {};
  return {
    duplicateWindowMs: p.RequiresDuplicateDetection
      ? ms(p.DuplicateDetectionHistoryTimeWindow, DEFAULTS.duplicateWindow)
      : undefined,
    defaultTtlMs: ms(p.DefaultMessageTimeToLive, DEFAULTS.defaultTtl),
  };
}

/** A dead-letter queue keeps messages until they are received: no expiry, no delivery limit, no forwarding. */
export function deadLetterSettings(parent: EntitySettings): EntitySettings {
  return {
    ...parent,
    maxDeliveryCount: Number.POSITIVE_INFINITY,
    defaultTtlMs: Number.POSITIVE_INFINITY,
    deadLetterOnExpiration: false,
    requiresSession: false,
    forwardTo: undefined,
    forwardDeadLetteredTo: undefined,
  };
}
