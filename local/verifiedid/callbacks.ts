// Delivers callback events to the verifier the way the Request Service does: POST JSON to callback.url with the
// request's callback headers verbatim. The wallet call waits for the delivery so that tests see its effect.
// Connections to a verifier are kept alive between callbacks, as a service that calls it all day would.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { StoredRequest } from "./requests.js";

const CALLBACK_TIMEOUT_MS = 10_000;

// Idle connections are dropped after 4 s, before a Node.js server's 5 s keep-alive timeout closes them.
const agents = {
  http: new HttpAgent({ keepAlive: true, timeout: 4_000 }),
  https: new HttpsAgent({ keepAlive: true, timeout: 4_000 }),
};

/** POSTs the body and answers the status; rejects on a network error or after CALLBACK_TIMEOUT_MS. */
function post(url: URL, headers: Record<string, string>, payload: string): Promise<number> {
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.reject(new TypeError("Not an http(s) URL"));
  return new Promise<number>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: "POST",
        agent: secure ? agents.https : agents.http,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (response) => {
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
        response.once("error", reject);
      },
    );
    const timer = setTimeout(
      () => request.destroy(new DOMException("The callback timed out.", "TimeoutError")),
      CALLBACK_TIMEOUT_MS,
    );
    request.once("close", () => clearTimeout(timer));
    request.once("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the verifier closed as the callback went out: send it again on a fresh one.
      if (request.reusedSocket && error.code === "ECONNRESET")
        post(url, headers, payload).then(resolve, reject);
      else reject(error);
    });
    request.end(payload);
  });
}

/** What a callback needs of a presentation or issuance request: its id and its callback. */
export type CallbackTarget = Pick<StoredRequest, "requestId"> & {
  readonly body: { readonly callback: StoredRequest["body"]["callback"] };
};

/** The receiver's HTTP status, or null when it could not be reached in time. */
export async function deliverCallback(
  request: CallbackTarget,
  body: Record<string, unknown>,
  log: (line: string) => void,
): Promise<number | null> {
  const { url, headers } = request.body.callback;
  try {
    const status = await post(new URL(url), headers ?? {}, JSON.stringify(body));
    log(`[information] callback ${String(body.requestStatus)} for ${request.requestId}: ${status}`);
    return status;
  } catch (error) {
    log(
      `callback ${String(body.requestStatus)} for ${request.requestId} failed: ${error instanceof Error ? error.name : "error"}`,
    );
    return null;
  }
}
