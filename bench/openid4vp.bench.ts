// What checking a standard wallet's OpenID4VP response costs the service (API.md section 9): a share's response
// (the access key and two credentials, each an SD-JWT VC with its key binding JWT, encrypted to the request's key)
// decrypted and checked by the service's own verifier, in process, against the floor of the same response: the same
// decryption and x5c chain checks, and the SD-JWT library's own verify of each presentation (issuer signature,
// digests, key binding with nonce and audience), with nothing of the service around them. Status lists come from
// the verifier's cache, as they do between two fetches in a running service (the floor checks none). Writes bench/results/openid4vp.json:
// the median time to check one response.
import { createPublicKey, type KeyObject, verify, X509Certificate } from "node:crypto";
import { performance } from "node:perf_hooks";
import { digest } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { base64url, CompactEncrypt, compactDecrypt, importJWK } from "jose";
import { certificatesOfPem } from "../src/adapters/openid4vp/certificateChains.js";
import { localRequestKey } from "../src/adapters/openid4vp/index.js";
import { statusListReader } from "../src/adapters/openid4vp/statusLists.js";
import { openid4vpVerifier } from "../src/adapters/openid4vp/verifier.js";
import { ACCESS_KEY_TYPE } from "../src/domain/catalogue.js";
import { shareQueries } from "../src/domain/walletQuery.js";
import {
  freshAuthority,
  holderKey,
  localIssuer,
  present,
  removeFolders,
} from "../test/unit/openid4vp/support.js";
import { median, percentile, report, round } from "./support.js";

const RESPONSES = Number(process.env.BENCH_RESPONSES ?? 200);
const WARM_UP = 20;
const TYPES = ["StaffPassportIdentity", "StaffPassportDbsCheck"];
const CLAIMS: Record<string, Record<string, unknown>> = {
  [ACCESS_KEY_TYPE]: {
    trustId: "RJ1",
    staffId: "RJ1-1",
    givenName: "Ada",
    familyName: "Lovelace",
    jobTitle: "FY2",
  },
  StaffPassportIdentity: {
    givenName: "Ada",
    familyName: "Lovelace",
    dateOfBirth: "1980-12-09",
    verificationMethod: "in person",
  },
  StaffPassportDbsCheck: {
    certificateNumber: "001234567890",
    level: "enhanced",
    workforce: "adult",
    outcome: "clear",
    issuedOn: "2024-03-01",
    updateServiceSubscribed: true,
  },
};

/** An ES256 JWS signature (base64url r||s) over the signing input, checked with node:crypto. */
function es256Verifies(key: KeyObject, data: string, signature: string): boolean {
  return verify("sha256", Buffer.from(data), { key, dsaEncoding: "ieee-p1363" }, base64url.decode(signature));
}

try {
  const now = () => new Date();
  const certificates = await freshAuthority(now);
  const { issuer, fetch } = localIssuer(certificates, now);
  const issuerRoots = certificatesOfPem(certificates.issuers.rootPem, "issuer roots");
  const chain = certificatesOfPem(certificates.verifier.chainPem, "verifier chain");
  const verifier = openid4vpVerifier({
    chain,
    key: await localRequestKey(certificates.verifier.keyPkcs8Pem),
    issuerRoots,
    origin: "https://service.test",
    status: statusListReader({ fetch, issuerRoots, clock: now }),
  });
  const holder = await holderKey();
  const queries = shareQueries("RJ1", TYPES);
  const held = new Map<string, string>();
  for (const query of queries) {
    const claims = CLAIMS[query.type] ?? {};
    held.set(query.id, await issuer.issue({ type: query.type, claims, holderJwk: holder.publicJwk }));
  }

  /** One started request and the wallet's encrypted response to it. */
  async function prepared(n: number) {
    const id = `bench-request-${n}`;
    const { record } = await verifier.start(id);
    const request = { id, record, queries, expiresAt: new Date(Date.now() + 300_000) };
    const iat = Math.floor(Date.now() / 1000);
    const vpToken: Record<string, string[]> = {};
    for (const query of queries) {
      const kb = { aud: verifier.clientId, nonce: record.nonce, iat };
      const names = query.claims.map((claim) => claim.name);
      vpToken[query.id] = [await present(held.get(query.id) ?? "", names, holder, kb)];
    }
    const { d: _private, ...publicJwk } = record.responseKey;
    const jwe = await new CompactEncrypt(
      new TextEncoder().encode(JSON.stringify({ vp_token: vpToken, state: id })),
    )
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A128GCM", kid: publicJwk.kid ?? "" })
      .encrypt(await importJWK(publicJwk, "ECDH-ES"));
    return { request, jwe, vpToken };
  }

  const service: number[] = [];
  const floor: number[] = [];
  for (let n = 0; n < RESPONSES + WARM_UP; n++) {
    const { request, jwe, vpToken } = await prepared(n);
    // The service's verifier: decrypt, read, check every credential (status from its cache after the first).
    const runService = async () => {
      const serviceStart = performance.now();
      const answer = await verifier.verifyResponse(request, { response: jwe }, new Date());
      const elapsed = performance.now() - serviceStart;
      if (answer.kind !== "presented")
        throw new Error(`The bench response was not accepted: ${JSON.stringify(answer)}`);
      return elapsed;
    };
    // The floor: the SD-JWT library's own verification of each presentation (issuer signature, digests, key binding
    // with nonce and audience), after the same decryption and chain checks, with nothing of the service around it.
    const runFloor = async () => {
      const floorStart = performance.now();
      await compactDecrypt(jwe, await importJWK(request.record.responseKey, "ECDH-ES"));
      for (const [presented] of Object.values(vpToken)) {
        const text = presented ?? "";
        const header = JSON.parse(Buffer.from(text.slice(0, text.indexOf(".")), "base64url").toString()) as {
          x5c: string[];
        };
        const [leaf, intermediate] = header.x5c.map((der) => new X509Certificate(Buffer.from(der, "base64")));
        const [root] = issuerRoots;
        if (leaf === undefined || intermediate === undefined || root === undefined)
          throw new Error("No chain.");
        leaf.verify(intermediate.publicKey);
        intermediate.verify(root.publicKey);
        const library = new SDJwtVcInstance({
          hasher: digest,
          verifier: (data, signature) => es256Verifies(leaf.publicKey, data, signature),
          kbVerifier: async (data, signature, payload) => {
            const jwk = (payload.cnf as { jwk: Record<string, string> }).jwk;
            return es256Verifies(createPublicKey({ key: jwk, format: "jwk" }), data, signature);
          },
        });
        await library.verify(text, {
          keyBindingNonce: request.record.nonce,
          expectedKeyBindingAudience: verifier.clientId,
          disableStatusVerification: true,
        });
      }
      return performance.now() - floorStart;
    };
    // Turns alternate, so that what one leaves behind (garbage, a warm cache) falls on both alike.
    const [serviceMs, floorMs] =
      n % 2 === 0
        ? [await runService(), await runFloor()]
        : await runFloor().then(async (floorFirst) => [await runService(), floorFirst] as const);
    if (n >= WARM_UP) {
      service.push(serviceMs);
      floor.push(floorMs);
    }
  }

  report(
    {
      name: "openid4vp",
      unit: "ms",
      value: median(service),
      baseline: {
        name: "the same decryption and chains, and the SD-JWT library's own verify of each presentation, p50 ms",
        value: median(floor),
      },
      params: { responses: RESPONSES, credentialsPerResponse: queries.length, sequential: true },
    },
    [
      {
        check: "service verifyResponse",
        p50: round(median(service), 3),
        p99: round(percentile(service, 99), 3),
      },
      {
        check: "SD-JWT library's verify alone",
        p50: round(median(floor), 3),
        p99: round(percentile(floor, 99), 3),
      },
    ],
  );
} finally {
  await removeFolders();
}
