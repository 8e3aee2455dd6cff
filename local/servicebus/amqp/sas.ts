// Checks a Shared Access Signature token the way Service Bus does: key name, expiry, audience, and the HMAC-SHA256
// signature over "<url-encoded resource>\n<expiry>" made with the configured key.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface SasKey {
  readonly keyName: string;
  readonly key: string;
}

export type SasVerdict =
  | { ok: true; resourcePath: string; expiresAt: number }
  | { ok: false; reason: string };

/** The entity path of a resource URI, lower-cased: "sb://localhost:5672/Q1/$management" → "q1/$management". */
export function resourcePath(uri: string): string {
  const withoutScheme = uri.replace(/^[a-z]+:\/\//i, "");
  const slash = withoutScheme.indexOf("/");
  const path = slash < 0 ? "" : withoutScheme.slice(slash + 1);
  return path.replace(/\/+$/, "").toLowerCase();
}

function fields(token: string): Map<string, string> {
  const body = token.replace(/^SharedAccessSignature\s+/, "");
  const map = new Map<string, string>();
  for (const pair of body.split("&")) {
    const eq = pair.indexOf("=");
    if (eq > 0) map.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return map;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export function verifySasToken(token: string, audience: string, key: SasKey, nowMs: number): SasVerdict {
  if (!token.startsWith("SharedAccessSignature "))
    return { ok: false, reason: "not a shared access signature" };
  const f = fields(token);
  const sr = f.get("sr");
  const sig = f.get("sig");
  const se = f.get("se");
  const skn = f.get("skn");
  if (sr === undefined || sig === undefined || se === undefined || skn === undefined) {
    return { ok: false, reason: "the token lacks sr, sig, se or skn" };
  }
  if (safeDecode(skn) !== key.keyName)
    return { ok: false, reason: `unknown key name '${safeDecode(skn) ?? skn}'` };
  const expiry = Number(se);
  if (!Number.isFinite(expiry) || expiry * 1000 <= nowMs)
    return { ok: false, reason: "the token has expired" };
  const expected = Buffer.from(createHmac("sha256", key.key).update(`${sr}\n${se}`).digest("base64"));
  const given = Buffer.from(safeDecode(sig) ?? "");
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: "the signature does not match the configured key" };
  }
  const signedPath = resourcePath(safeDecode(sr) ?? "");
  const claimedPath = resourcePath(audience);
  if (signedPath !== "" && claimedPath !== signedPath && !claimedPath.startsWith(`${signedPath}/`)) {
    return { ok: false, reason: `the token is for '${signedPath}', not '${claimedPath}'` };
  }
  return { ok: true, resourcePath: claimedPath, expiresAt: expiry * 1000 };
}
