// A standard wallet as small as the security suite needs: it reads an `openid4vp://` request by reference, holds
// SD-JWT VCs the local issuer made for its own key, presents what the DCQL query asks for with a key binding JWT,
// and posts the response encrypted to the request's key (direct_post.jwt). Everything it sends is kept, so that a
// test can search the logs for it.
import { CompactEncrypt, decodeJwt, importJWK, type JWK } from "jose";
import { type Holder, holderKey, present } from "../unit/openid4vp/support.js";

type DcqlCredentialQuery = {
  readonly id: string;
  readonly meta: { readonly vct_values: readonly string[] };
  readonly claims: readonly { readonly path: readonly string[] }[];
};

export type RequestObject = {
  readonly client_id: string;
  readonly nonce: string;
  readonly state: string;
  readonly response_uri: string;
  readonly dcql_query: { readonly credentials: readonly DcqlCredentialQuery[] };
  readonly client_metadata: { readonly jwks: { readonly keys: readonly (JWK & { kid: string })[] } };
};

export type Sent = {
  readonly nonce: string;
  readonly presentations: readonly string[];
  readonly jwe: string;
  readonly status: number;
  readonly body: string;
};

export type StandardWallet = {
  readonly holder: Holder;
  /** Asks the local issuer for an SD-JWT VC of this type bound to the wallet's key. */
  receive(type: string, claims: Record<string, unknown>): Promise<string>;
  /** Answers an `openid4vp://` URL with the credentials held for each query's vct. */
  answer(url: string): Promise<Sent>;
};

export async function standardWallet(simulatorUrl: string): Promise<StandardWallet> {
  const holder = await holderKey();
  const held = new Map<string, string>();
  return {
    holder,
    async receive(type, claims) {
      const response = await fetch(`${simulatorUrl}/issuer/credentials`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type, claims, holderJwk: holder.publicJwk }),
      });
      if (response.status !== 201) throw new Error(`the issuer answered ${response.status}`);
      const { credential } = (await response.json()) as { credential: string };
      held.set(`urn:nhs:staff-passport:vct:${type}`, credential);
      return credential;
    },
    async answer(url) {
      const requestUri = new URL(url).searchParams.get("request_uri");
      if (requestUri === null) throw new Error("the URL has no request_uri");
      const fetched = await fetch(requestUri);
      if (fetched.status !== 200) throw new Error(`the request object answered ${fetched.status}`);
      const request = decodeJwt(await fetched.text()) as unknown as RequestObject;
      const iat = Math.floor(Date.now() / 1000);
      const vpToken: Record<string, string[]> = {};
      for (const query of request.dcql_query.credentials) {
        const credential = held.get(query.meta.vct_values[0] ?? "");
        if (credential === undefined) throw new Error(`the wallet holds no ${query.id}`);
        const claims = query.claims.map((claim) => claim.path[0] ?? "");
        vpToken[query.id] = [
          await present(credential, claims, holder, { aud: request.client_id, nonce: request.nonce, iat }),
        ];
      }
      const [key] = request.client_metadata.jwks.keys;
      if (key === undefined) throw new Error("the request names no encryption key");
      const jwe = await new CompactEncrypt(
        new TextEncoder().encode(JSON.stringify({ vp_token: vpToken, state: request.state })),
      )
        .setProtectedHeader({ alg: "ECDH-ES", enc: "A128GCM", kid: key.kid })
        .encrypt(await importJWK(key, "ECDH-ES"));
      const posted = await fetch(request.response_uri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ response: jwe }).toString(),
      });
      return {
        nonce: request.nonce,
        presentations: Object.values(vpToken).flat(),
        jwe,
        status: posted.status,
        body: await posted.text(),
      };
    },
  };
}
