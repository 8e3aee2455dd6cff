// Share events as Security Event Tokens (RFC 8417, API.md sections 3 and 7): ES256 with a kid from the JWKS, header
// typ secevent+jwt, signed afresh for every attempt (new iat, same jti), and no exp and no sub (section 4.1).
import { SignJWT } from "jose";
import type { SetContent, SetSigner } from "../../app/ports.js";
import { transactionOf } from "../../domain/shareEvent.js";
import { SIGNING_ALGORITHM, type SigningKeys } from "../keys/signingKeys.js";

export const SET_TYPE = "secevent+jwt";

export function securityEventTokenSigner(keys: SigningKeys, issuer: string): SetSigner {
  return async (content: SetContent, now: Date) => {
    const { kid, privateKey } = await keys.current();
    const token = await new SignJWT({
      txn: transactionOf(content),
      events: { [content.type]: content.data },
    })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: SET_TYPE })
      .setIssuer(issuer)
      .setAudience(content.trustId)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setJti(content.eventId)
      .sign(privateKey);
    return { token, kid };
  };
}
