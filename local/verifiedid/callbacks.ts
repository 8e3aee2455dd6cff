// Delivers callback events to the verifier the way the Request Service does: POST JSON to callback.url with the
// request's callback headers verbatim. The wallet call waits for the delivery so that tests see its effect.
import type { StoredRequest } from "./requests.js";

const CALLBACK_TIMEOUT_MS = 10_000;

/** The receiver's HTTP status, or null when it could not be reached in time. */
export async function deliverCallback(
  request: StoredRequest,
  body: Record<string, unknown>,
  log: (line: string) => void,
): Promise<number | null> {
  const { url, headers } = request.body.callback;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    log(`callback ${String(body.requestStatus)} for ${request.requestId}: ${response.status}`);
    return response.status;
  } catch (error) {
    log(
      `callback ${String(body.requestStatus)} for ${request.requestId} failed: ${error instanceof Error ? error.name : "error"}`,
    );
    return null;
  }
}
