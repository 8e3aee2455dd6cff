// What an OpenID4VP request asks a standard wallet for: the access key first (its trust claim fixed to the trust),
// then each chosen type with only the claims the catalogue lets a trust see, as DCQL the `dcql` library accepts and
// matches against credentials shaped as a wallet holds them.
import { DcqlQuery } from "dcql";
import { describe, expect, it } from "vitest";
import { dcqlQueryOf } from "../../src/adapters/openid4vp/verifier.js";
import {
  ACCESS_KEY_DISCLOSED_CLAIMS,
  ACCESS_KEY_TYPE,
  SHAREABLE_CREDENTIAL_TYPES,
  vctOf,
} from "../../src/domain/catalogue.js";
import { loginQueries, shareQueries } from "../../src/domain/walletQuery.js";

/** The query as a wallet receives it: JSON in the request object, read without the service's types. */
const asSent = (dcql: ReturnType<typeof dcqlQueryOf>): DcqlQuery.Input => JSON.parse(JSON.stringify(dcql));

const ALL_TYPES = SHAREABLE_CREDENTIAL_TYPES.map((entry) => entry.type);

describe("loginQueries", () => {
  it("asks for the trust's access key only: its trust claim fixed to the trust, and the staff claims", () => {
    expect(loginQueries("RTH")).toEqual([
      {
        id: ACCESS_KEY_TYPE,
        type: ACCESS_KEY_TYPE,
        vct: vctOf(ACCESS_KEY_TYPE),
        claims: [
          { name: "trustId", values: ["RTH"] },
          { name: "staffId" },
          { name: "givenName" },
          { name: "familyName" },
          { name: "jobTitle" },
        ],
      },
    ]);
    expect(loginQueries("RTH")[0]?.claims.map((claim) => claim.name)).toEqual([
      ...ACCESS_KEY_DISCLOSED_CLAIMS,
    ]);
  });
});

describe("shareQueries", () => {
  it("asks for the access key's trust claim first, then each chosen type in the order chosen", () => {
    const chosen = ["StaffPassportDbsCheck", "StaffPassportIdentity"];
    const queries = shareQueries("RJ1", chosen);
    expect(queries.map((query) => query.id)).toEqual([ACCESS_KEY_TYPE, ...chosen]);
    expect(queries[0]).toEqual({
      id: ACCESS_KEY_TYPE,
      type: ACCESS_KEY_TYPE,
      vct: vctOf(ACCESS_KEY_TYPE),
      claims: [{ name: "trustId", values: ["RJ1"] }],
    });
  });

  it("asks each type for exactly the catalogue's disclosed claims, with no fixed values", () => {
    const queries = shareQueries("RTH", ALL_TYPES);
    for (const entry of SHAREABLE_CREDENTIAL_TYPES) {
      const query = queries.find((candidate) => candidate.id === entry.type);
      // A claim whose name SD-JWT VC registers is asked for under the name the catalogue gives its SD-JWT VC form.
      const renamed = (entry as { sdJwtClaimNames?: Readonly<Record<string, string>> }).sdJwtClaimNames ?? {};
      expect(query, entry.type).toEqual({
        id: entry.type,
        type: entry.type,
        vct: vctOf(entry.type),
        claims: entry.disclosedClaims.map((name) => ({ name: renamed[name] ?? name })),
      });
    }
  });

  it("refuses a type that is not shareable, the access key among them", () => {
    expect(() => shareQueries("RTH", ["StaffPassportUnknown"])).toThrow(RangeError);
    expect(() => shareQueries("RTH", [ACCESS_KEY_TYPE])).toThrow(RangeError);
  });
});

describe("dcqlQueryOf", () => {
  it("writes DCQL that the dcql library parses and validates, for a login and a share of every type", () => {
    for (const queries of [loginQueries("RTH"), shareQueries("RTH", ALL_TYPES)]) {
      const parsed = DcqlQuery.parse(asSent(dcqlQueryOf(queries)));
      expect(() => DcqlQuery.validate(parsed)).not.toThrow();
      expect(parsed.credentials.map((credential) => credential.id)).toEqual(queries.map((query) => query.id));
    }
  });

  it("has the contract's shape: dc+sd-jwt, the vct, one path per claim and the trust id as the only value", () => {
    expect(dcqlQueryOf(shareQueries("RTH", ["StaffPassportOccupationalHealth"]))).toEqual({
      credentials: [
        {
          id: ACCESS_KEY_TYPE,
          format: "dc+sd-jwt",
          meta: { vct_values: [vctOf(ACCESS_KEY_TYPE)] },
          claims: [{ path: ["trustId"], values: ["RTH"] }],
        },
        {
          id: "StaffPassportOccupationalHealth",
          format: "dc+sd-jwt",
          meta: { vct_values: [vctOf("StaffPassportOccupationalHealth")] },
          claims: [{ path: ["clearance"] }, { path: ["exposureProneProcedures"] }],
        },
      ],
    });
  });

  it("matches, by the dcql library's own rules, a wallet's access key for this trust and not one for another trust", () => {
    const query = DcqlQuery.parse(asSent(dcqlQueryOf(loginQueries("RTH"))));
    const accessKey = (trustId: string) => ({
      credential_format: "dc+sd-jwt" as const,
      vct: vctOf(ACCESS_KEY_TYPE),
      cryptographic_holder_binding: true,
      claims: { trustId, staffId: "RTH-0001", givenName: "Ada", familyName: "Lovelace", jobTitle: "Nurse" },
    });
    expect(DcqlQuery.query(query, [accessKey("RTH")]).can_be_satisfied).toBe(true);
    expect(DcqlQuery.query(query, [accessKey("RJ1")]).can_be_satisfied).toBe(false);
  });
});
