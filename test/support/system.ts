// Starts the whole local system on free ports for a test file, with signing keys in a folder of its own.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalSystem, type SystemOptions, startSystem } from "../../local/system.js";

export async function startTestSystem(options: Partial<SystemOptions> = {}): Promise<LocalSystem> {
  return startSystem({
    ports: { host: 0, verifiedId: 0, demoTrust: 0, cosmos: 0, serviceBus: 0 },
    ...options,
    settings: { LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), "staff-passport-keys-")), ...options.settings },
  });
}

export type JsonResponse<T> = { status: number; body: T; headers: Headers };

/** A JSON request to a URL, answering status, parsed body and headers. */
export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}
