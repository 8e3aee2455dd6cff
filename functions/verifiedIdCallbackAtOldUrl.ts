// POST /api/verifiedid/callback: the callback URL given to presentation requests made before each request had
// its own, kept so that those requests can still finish. It serves only requests that lack `callbackInPath`.
//
// Decision: no request made since the change is ever called back here (authenticateCallback refuses them), and
// Verified ID gives up on a presentation request at its expiry, minutes after it was made, so this URL
// authenticates nothing once the last older request has expired and can then be removed. Until then its body is
// bounded as the new URL's is, and it is still authenticated before it is parsed: the `state` members the text
// holds are found by a scan that costs one pass whatever the body's shape, and the key is checked against those
// requests; only a body whose key matches is parsed.

import { verifiedIdCallbackSchema } from "../src/adapters/verifiedId/callback.js";
import { authenticateCallback, InvalidCallback } from "../src/app/verifiedIdCallback.js";
import { services } from "../src/composition.js";
import { httpEndpoint } from "../src/http/endpoint.js";
import { HttpProblem } from "../src/http/problem.js";
import {
  callbackApiKey,
  callbackResponses,
  handleCallback,
  MAX_CALLBACK_BYTES,
} from "./verifiedIdCallback.js";

/** A `state` member whose value has the shape of our request ids, wherever it is in the text. */
const STATE_MEMBER = /"state"\s*:\s*"([A-Za-z0-9_-]{22})"/g;
/** A genuine body has one `state` member (a claim may hold another): more candidates are not looked up. */
const MAX_CANDIDATES = 3;

/** The distinct request ids the text's `state` members name, found without parsing it. */
export function candidateStates(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(STATE_MEMBER)) {
    if (match[1] !== undefined) found.add(match[1]);
    if (found.size > MAX_CANDIDATES) throw new InvalidCallback();
  }
  return [...found];
}

async function bodyText(request: { headers: Headers; clone(): { arrayBuffer(): Promise<ArrayBuffer> } }) {
  const tooLarge = () =>
    new HttpProblem("payload_too_large", `The body exceeds ${MAX_CALLBACK_BYTES} bytes.`);
  if (Number(request.headers.get("content-length") ?? "0") > MAX_CALLBACK_BYTES) throw tooLarge();
  // A copy is read here, so that the endpoint reads and parses the body itself once the caller is known.
  const bytes = await request.clone().arrayBuffer();
  if (bytes.byteLength > MAX_CALLBACK_BYTES) throw tooLarge();
  return new TextDecoder("utf-8").decode(bytes);
}

export const verifiedIdCallbackAtOldUrl = httpEndpoint({
  name: "verifiedIdCallbackAtOldUrl",
  method: "POST",
  route: "api/verifiedid/callback",
  summary: "Callback for presentation requests made before each request had its own callback URL",
  tags: ["callbacks"],
  body: verifiedIdCallbackSchema,
  maxBodyBytes: MAX_CALLBACK_BYTES,
  authenticateBeforeBody: async (request) => {
    const apiKey = callbackApiKey(request.headers);
    for (const state of candidateStates(await bodyText(request))) {
      try {
        return await authenticateCallback(services(), apiKey, state, "body");
      } catch (error) {
        if (!(error instanceof InvalidCallback)) throw error;
      }
    }
    throw new InvalidCallback();
  },
  responses: callbackResponses,
  handle: handleCallback,
});
