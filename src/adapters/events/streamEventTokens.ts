// SSF's own events to a trust's stream as Security Event Tokens: verification and stream-updated (SSF 1.0 sections
// 8.1.4.1 and 8.1.5), signed like share events (ES256, typ secevent+jwt, no exp, no sub) with `sub_id` naming the
// stream as SSF requires: `{ "format": "opaque", "id": STREAM_ID }`; encrypted to the trust as its share events are.
import type { StreamEventSigner } from "../../app/ports.js";
import { type SigningKeys, signJwt } from "../keys/signingKeys.js";
import { SET_TYPE, setSealer, type TrustKeysReader } from "./securityEventTokens.js";

/** `issuer` is the SSF issuer (src/config.ts eventIssuerOf), the same string as every other SET's `iss`. */
export function streamEventTokenSigner(
  keys: SigningKeys,
  issuer: string,
  trustKeys?: TrustKeysReader,
): StreamEventSigner {
  const seal = setSealer(trustKeys);
  return async (content, now) => {
    const key = await keys.current();
    const { streamId, ...event } = content.data;
    const token = await signJwt(
      key,
      { typ: SET_TYPE },
      {
        iss: issuer,
        aud: content.trustId,
        iat: Math.floor(now.getTime() / 1000),
        jti: content.eventId,
        sub_id: { format: "opaque", id: streamId },
        events: { [content.type]: event },
      },
    );
    return { token: await seal(token, content.trustId, key.kid), kid: key.kid };
  };
}
