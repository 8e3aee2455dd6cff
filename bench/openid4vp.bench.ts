// What checking a standard wallet's OpenID4VP response costs the service (API.md section 9): a share's response
// (the access key and two credentials, each an SD-JWT VC with its key binding JWT, encrypted to the request's key)
// decrypted and checked by the service's own verifier, in process, against the floor of the same response: the
// cryptography alone, done with jose and node:crypto (one ECDH-ES decryption, and per credential the issuer's and
// the key binding JWT's ES256 signatures and the x5c chain's two certificate signatures). Status lists come from
// the verifier's cache, as they do between two fetches in a running service. Writes bench/results/openid4vp.json:
// the median time to check one response.
import { X509Certificate } from "node:crypto";
import { performance } from "node:perf_hooks";
import { CompactEncrypt, compactDecrypt, compactVerify, importJWK } from "jose";
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
    let start = performance.now();
    const answer = await verifier.verifyResponse(request, { response: jwe }, new Date());
    const serviceMs = performance.now() - start;
    if (answer.kind !== "presented")
      throw new Error(`The bench response was not accepted: ${JSON.stringify(answer)}`);
    // The floor: the same cryptography with the libraries directly, nothing parsed or checked beyond it.
    start = performance.now();
    await compactDecrypt(jwe, await importJWK(request.record.responseKey, "ECDH-ES"));
    for (const [presented] of Object.values(vpToken)) {
      const text = presented ?? "";
      const issuerJwt = text.slice(0, text.indexOf("~"));
      const header = JSON.parse(Buffer.from(issuerJwt.split(".")[0] ?? "", "base64url").toString()) as {
        x5c: string[];
      };
      const [leaf, intermediate] = header.x5c.map((der) => new X509Certificate(Buffer.from(der, "base64")));
      const [root] = issuerRoots;
      if (leaf === undefined || intermediate === undefined || root === undefined)
        throw new Error("No chain.");
      leaf.verify(intermediate.publicKey);
      intermediate.verify(root.publicKey);
      await compactVerify(issuerJwt, leaf.publicKey, { algorithms: ["ES256"] });
      const payload = JSON.parse(Buffer.from(issuerJwt.split(".")[1] ?? "", "base64url").toString()) as {
        cnf: { jwk: Record<string, string> };
      };
      await compactVerify(text.slice(text.lastIndexOf("~") + 1), await importJWK(payload.cnf.jwk, "ES256"));
    }
    const floorMs = performance.now() - start;
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
        name: "the same decryption and signatures with jose and node:crypto alone, p50 ms",
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
      { check: "cryptography alone", p50: round(median(floor), 3), p99: round(percentile(floor, 99), 3) },
    ],
  );
} finally {
  await removeFolders();
}
