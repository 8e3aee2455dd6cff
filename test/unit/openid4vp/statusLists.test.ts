// Reading a credential's Token Status List entry: a real status list token of the local issuer, fetched through the
// reader's fetch port, verified and cached for its ttl on a clock the test moves; anything it cannot trust is UNKNOWN.
import type { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCertificates } from "../../../local/openid4vp/ca.js";
import { STATUS_LIST_TTL_SECONDS } from "../../../local/verifiedid/statusLists.js";
import type { OutboundResult } from "../../../src/adapters/net/publicFetch.js";
import { certificatesOfPem } from "../../../src/adapters/openid4vp/certificateChains.js";
import { type StatusFetch, statusListReader } from "../../../src/adapters/openid4vp/statusLists.js";
import {
  freshAuthority,
  holderKey,
  issuerPayloadOf,
  type LocalIssuer,
  localIssuer,
  removeFolders,
  statusListToken,
  testClock,
} from "./support.js";

const ESR = "https://esr.staffpassport.nhs.uk";
const DBS = "StaffPassportDbsCheck";

let authority: LocalCertificates;
let issuerRoots: X509Certificate[];

beforeAll(async () => {
  authority = await freshAuthority();
  issuerRoots = certificatesOfPem(authority.issuers.rootPem, "issuer root");
});
afterAll(removeFolders);

type StatusReference = { status_list: { idx: number; uri: string } };

/** A local issuer on its own clock, and a credential of it with its status reference. */
async function issued(clock = testClock()) {
  const local: LocalIssuer = localIssuer(authority, clock.now);
  const holder = await holderKey();
  const credential = await local.issuer.issue({
    type: DBS,
    claims: { level: "Enhanced" },
    holderJwk: holder.publicJwk,
  });
  const reference = issuerPayloadOf(credential).status as StatusReference;
  return { clock, local, credential, reference };
}

const answer = (body: string, status = 200): OutboundResult => ({
  kind: "response",
  status,
  contentType: "application/statuslist+jwt",
  body,
  truncated: false,
});

describe("statusListReader", () => {
  it("reads VALID and REVOKED by index from the issuer's signed status list token", async () => {
    const { clock, local, credential, reference } = await issued();
    const other = await local.issuer.issue({
      type: DBS,
      claims: { level: "Basic" },
      holderJwk: (await holderKey()).publicJwk,
    });
    local.issuer.setStatus(other, "revoked");
    const otherReference = issuerPayloadOf(other).status as StatusReference;
    expect(otherReference.status_list.uri).toBe(reference.status_list.uri);
    const read = statusListReader({ fetch: local.fetch, issuerRoots, clock: clock.now });
    expect(await read(ESR, reference)).toBe("VALID");
    expect(await read(ESR, otherReference)).toBe("REVOKED");
    expect(credential).not.toBe(other);
  });

  it("keeps a list for its ttl: no fetch and no change seen before it ends, a fresh fetch after", async () => {
    const { clock, local, credential, reference } = await issued();
    const read = statusListReader({ fetch: local.fetch, issuerRoots, clock: clock.now });
    expect(await read(ESR, reference)).toBe("VALID");
    expect(local.fetched).toHaveLength(1);
    local.issuer.setStatus(credential, "revoked");
    clock.advance(STATUS_LIST_TTL_SECONDS - 1);
    expect(await read(ESR, reference)).toBe("VALID");
    expect(local.fetched).toHaveLength(1);
    clock.advance(2);
    expect(await read(ESR, reference)).toBe("REVOKED");
    expect(local.fetched).toHaveLength(2);
  });

  it("answers UNKNOWN to a list signed by a trusted certificate of another issuer", async () => {
    const { clock, reference } = await issued();
    const registration = await authority.issuers.certify("https://registration.staffpassport.nhs.uk");
    const token = await statusListToken({
      signer: registration,
      sub: reference.status_list.uri,
      statuses: new Array<number>(1024).fill(0),
      iat: Math.floor(clock.now().getTime() / 1000),
    });
    const read = statusListReader({ fetch: async () => answer(token), issuerRoots, clock: clock.now });
    expect(await read(ESR, reference)).toBe("UNKNOWN");
    // The same token read for the issuer that signed it is believed, so the refusal is about the issuer alone.
    expect(await read("https://registration.staffpassport.nhs.uk", reference)).toBe("VALID");
  });

  it("answers UNKNOWN to a list whose sub is another URI than the one fetched", async () => {
    const { clock, reference } = await issued();
    const esr = await authority.issuers.certify(ESR);
    const iat = Math.floor(clock.now().getTime() / 1000);
    const statuses = new Array<number>(1024).fill(0);
    const elsewhere = await statusListToken({
      signer: esr,
      sub: `${reference.status_list.uri}-elsewhere`,
      statuses,
      iat,
    });
    const misnamed = statusListReader({
      fetch: async () => answer(elsewhere),
      issuerRoots,
      clock: clock.now,
    });
    expect(await misnamed(ESR, reference)).toBe("UNKNOWN");
    const named = await statusListToken({ signer: esr, sub: reference.status_list.uri, statuses, iat });
    const right = statusListReader({ fetch: async () => answer(named), issuerRoots, clock: clock.now });
    expect(await right(ESR, reference)).toBe("VALID");
  });

  it("answers UNKNOWN when the fetch fails, is refused or answers other than 200", async () => {
    const { clock, reference } = await issued();
    const failures: StatusFetch[] = [
      async () => ({ kind: "refused", reason: "endpoint_not_https", detail: "The endpoint must be https." }),
      async () => ({ kind: "timeout" }),
      async () => ({ kind: "connection" }),
      async () => answer("", 404),
      async () => answer("not a token"),
    ];
    for (const [index, fetch] of failures.entries()) {
      const read = statusListReader({ fetch, issuerRoots, clock: clock.now });
      expect(await read(ESR, reference), `failure ${index}`).toBe("UNKNOWN");
    }
  });

  it("answers UNKNOWN to an index beyond the list, and to a reference that is not one", async () => {
    const { clock, local, reference } = await issued();
    const read = statusListReader({ fetch: local.fetch, issuerRoots, clock: clock.now });
    expect(await read(ESR, reference)).toBe("VALID");
    const uri = reference.status_list.uri;
    for (const idx of [1024, 1_000_000]) {
      expect(await read(ESR, { status_list: { idx, uri } }), `idx ${idx}`).toBe("UNKNOWN");
    }
    for (const bad of [
      undefined,
      {},
      { status_list: { idx: -1, uri } },
      { status_list: { idx: 1.5, uri } },
    ]) {
      expect(await read(ESR, bad), JSON.stringify(bad)).toBe("UNKNOWN");
    }
  });
});
