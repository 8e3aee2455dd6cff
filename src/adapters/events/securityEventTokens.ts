// Share events as Security Event Tokens (RFC 8417, API.md sections 3 and 7): ES256 with a kid from the JWKS, header
// typ secevent+jwt, signed afresh for every attempt (new iat, same jti), and no exp and no sub (section 4.1).
import type { SetContent, SetSigner } from "../../app/ports.js";
import { transactionOf } from "../../domain/shareEvent.js";
import { type SigningKeys, signJwt } from "../keys/signingKeys.js";

export const SET_TYPE = "secevent+jwt";

export function securityEventTokenSigner(keys: SigningKeys, issuer: string): SetSigner {
  return async (content: SetContent, now: Date) => {
    const key = await keys.current();
    const token = await signJwt(
      key,
      { typ: SET_TYPE },
      {
        iss: issuer,
        aud: content.trustId,
        iat: Math.floor(now.getTime() / 1000),
        jti: content.eventId,
        txn: transactionOf(content),
        events: { [content.type]: content.data },
      },
    );
    return { token, kid: key.kid };
  };
}
