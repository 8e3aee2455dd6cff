// The local Functions host: serves the same function definitions the Azure registration reads, with the
// host's behaviour for HTTP, Service Bus and timer triggers, and nothing of the service's own logic.
import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  TimerFunctionDefinition,
} from "../../functions/definition.js";
import type { Site } from "../pages/site.js";
import { type HttpHost, startHttpHost } from "./httpHost.js";
import { type ServiceBusFunction, type ServiceBusPump, startServiceBusPump } from "./serviceBusPump.js";
import { startTimers, type TimerRunner } from "./timers.js";

export type HostJson = {
  extensions?: {
    serviceBus?: {
      maxConcurrentCalls?: number;
      autoCompleteMessages?: boolean;
      /** A TimeSpan, "hh:mm:ss". */
      maxAutoLockRenewalDuration?: string;
    };
  };
};

/** host.json TimeSpan "hh:mm:ss" (or "d.hh:mm:ss") in milliseconds. */
export function timeSpanMs(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`host.json: ${text} is not a TimeSpan (hh:mm:ss)`);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}

export type LocalHostOptions = {
  port: number;
  host?: string;
  hostJson: HostJson;
  /** App settings, for the connections that triggers name. */
  settings: Readonly<Record<string, string | undefined>>;
  maxRequestBytes?: number;
  log?: (line: string) => void;
  /** Static files served at / (the demo portal). */
  site?: Site;
};

export type LocalHost = { url: string; port: number; http: HttpHost; close(): Promise<void> };

export async function startLocalHost(
  functions: readonly FunctionDefinition[],
  options: LocalHostOptions,
): Promise<LocalHost> {
  const http = functions.filter((fn): fn is HttpFunctionDefinition => fn.kind === "http");
  const serviceBus = functions.filter(
    (fn): fn is ServiceBusFunction => fn.kind === "serviceBusTopic" || fn.kind === "serviceBusQueue",
  );
  const timerFunctions = functions.filter((fn): fn is TimerFunctionDefinition => fn.kind === "timer");

  const httpHost = await startHttpHost(http, {
    port: options.port,
    ...(options.host ? { host: options.host } : {}),
    ...(options.maxRequestBytes ? { maxRequestBytes: options.maxRequestBytes } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.site ? { site: options.site } : {}),
  });
  const serviceBusSettings = options.hostJson.extensions?.serviceBus;
  let pump: ServiceBusPump | undefined;
  let timers: TimerRunner | undefined;
  try {
    pump =
      serviceBus.length > 0
        ? startServiceBusPump(serviceBus, {
            settings: options.settings,
            // The Functions host's defaults where host.json says nothing.
            maxConcurrentCalls: serviceBusSettings?.maxConcurrentCalls ?? 16,
            autoCompleteMessages: serviceBusSettings?.autoCompleteMessages ?? true,
            maxAutoLockRenewalDurationInMs: timeSpanMs(
              serviceBusSettings?.maxAutoLockRenewalDuration ?? "00:05:00",
            ),
            ...(options.log ? { log: options.log } : {}),
          })
        : undefined;
    timers = startTimers(timerFunctions, {
      settings: options.settings,
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (error) {
    await pump?.close();
    await httpHost.close();
    throw error;
  }
  return {
    url: httpHost.url,
    port: httpHost.port,
    http: httpHost,
    async close() {
      await timers?.close();
      await pump?.close();
      await httpHost.close();
    },
  };
}
