// A bounded fuzz of every HTTP endpoint (the trust API's included) and the Verified ID callback, with seeded generators (FUZZ_SEED replays a
// run): never a 5xx, every error RFC 9457 problem+json with its own status, and nothing stored after a 4xx
// (the stored requests and shares grow by exactly the 201s, and a share refused a callback is left as it was).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../local/system.js";
import { trustAudience } from "../../src/adapters/keys/trustTokens.js";
import { services } from "../../src/composition.js";
import { SHAREABLE_CREDENTIAL_TYPES } from "../../src/domain/catalogue.js";
import {
  apiKeyOf,
  bearer,
  logIn,
  present,
  readShare,
  requestIdOf,
  startedShare,
  type Urls,
} from "../support/journeys.js";
import { startTestSystem } from "../support/system.js";
import { registerTrustKey, trustKey, trustToken } from "../support/trustTokens.js";
import { bodyText, contentType, int, json, nearly, pick, type Random, seeded, string } from "./generators.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const TYPES = SHAREABLE_CREDENTIAL_TYPES.map((type) => type.type);

let system: LocalSystem;
let urls: Urls;
let session = "";

beforeAll(async () => {
  system = await startTestSystem({
    // The per-client limits would answer 429 to a fuzz from one address; they have tests of their own.
    settings: { RATE_LIMIT_LOGINS_PER_MINUTE: "1000000", RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000" },
  });
  urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  session = await logIn(urls, "demo", "RTH");
});
afterAll(() => system?.close());

type Outcome = { status: number; contentType: string | null; text: string };
/**
 * `unrouted`: the path holds an id that is not valid percent-encoding (an escape cut short), which no function's
 * route matches; the Functions host answers that itself with an empty 404, before any of the app's code runs.
 */
type Case = { label: string; send: () => Promise<Outcome>; unrouted?: boolean };

async function send(path: string, init: RequestInit = {}): Promise<Outcome> {
  const response = await fetch(`${urls.api}/${path}`, init);
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
  };
}

/** What is wrong with an answer, if anything. */
function faults(outcome: Outcome, unrouted = false): string[] {
  if (outcome.status >= 500) return [`answered ${outcome.status}: ${outcome.text.slice(0, 120)}`];
  if (outcome.status < 400) return [];
  if (unrouted && outcome.status === 404 && outcome.text === "") return [];
  if (outcome.contentType !== "application/problem+json")
    return [`${outcome.status} as ${outcome.contentType}`];
  try {
    const problem = JSON.parse(outcome.text) as Record<string, unknown>;
    const shaped =
      typeof problem.type === "string" &&
      typeof problem.title === "string" &&
      typeof problem.detail === "string" &&
      problem.status === outcome.status;
    return shaped ? [] : [`problem without its members: ${outcome.text.slice(0, 120)}`];
  } catch {
    return ["problem+json that is not JSON"];
  }
}

/** Runs the cases a few at a time; returns every fault with the case that made it. */
async function run(cases: Case[], concurrency = 8): Promise<{ faults: string[]; outcomes: Outcome[] }> {
  const found: string[] = [];
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const item = cases[i] as Case;
        const outcome = await item.send();
        outcomes.push(outcome);
        for (const fault of faults(outcome, item.unrouted)) {
          found.push(`seed ${SEED} case ${i}: ${fault} (${item.label.slice(0, 80)})`);
        }
      }
    }),
  );
  return { faults: found, outcomes };
}

const count = async (container: string) =>
  (
    await (
      await services().database()
    )
      .container(container)
      .items.query("SELECT VALUE COUNT(1) FROM c")
      .fetchAll()
  ).resources[0] as number;

function postJson(
  random: Random,
  path: string,
  value: unknown,
  headers: Record<string, string> = {},
  method = "POST",
): Case {
  const text = bodyText(random, value);
  const type = contentType(random);
  return {
    label: `${method} ${path} ${text.slice(0, 60)}`,
    send: () =>
      send(path, {
        method,
        headers: { ...(type ? { "content-type": type } : {}), ...headers },
        body: text,
      }),
  };
}

const segment = (random: Random) =>
  encodeURIComponent(random() < 0.3 ? "AAAAAAAAAAAAAAAAAAAAAA" : string(random)).slice(0, 300) || "x";

/** True when the id is not valid percent-encoding, so that the host can match no route with it. */
const unrouted = (id: string) => {
  try {
    decodeURIComponent(id);
    return false;
  } catch {
    return true;
  }
};

describe("fuzzing the portal endpoints", () => {
  it("never answers 5xx, answers every error as problem+json, and stores nothing for a 4xx", async () => {
    const random = seeded(SEED);
    const before = { requests: await count("requests"), shares: await count("shares") };
    const cases: Case[] = [];
    for (let i = 0; i < 600; i++) {
      const body =
        random() < 0.7 ? { trustId: nearly(random, ["RTH", "RJ1", "RQ8", "rth", " RTH "]) } : json(random);
      cases.push(postJson(random, "logins", body));
    }
    for (let i = 0; i < 600; i++) {
      const types = Array.from({ length: int(random, 4) }, () =>
        nearly(random, [...TYPES, "StaffPassportAccessKey"]),
      );
      const body = random() < 0.8 ? { credentialTypes: random() < 0.9 ? types : json(random) } : json(random);
      const auth = random() < 0.9 ? bearer(session) : bearer(string(random).replace(/[^\x21-\x7e]/g, ""));
      cases.push(postJson(random, "shares", body, auth));
    }
    for (let i = 0; i < 300; i++) {
      const search = encodeURIComponent(string(random));
      cases.push({ label: `GET trusts?search=${search}`, send: () => send(`trusts?search=${search}`) });
    }
    for (let i = 0; i < 300; i++) {
      const id = segment(random);
      const token = string(random).replace(/[^\x21-\x7e]/g, "");
      cases.push({
        label: `GET logins/${id}`,
        unrouted: unrouted(id),
        send: () => send(`logins/${id}`, token ? { headers: { "x-poll-token": token } } : {}),
      });
    }
    for (let i = 0; i < 300; i++) {
      const id = segment(random);
      const method = pick(random, ["GET", "DELETE"]);
      cases.push({
        label: `${method} shares/${id}`,
        unrouted: unrouted(id),
        send: () => send(`shares/${id}`, { method, headers: bearer(session) }),
      });
    }
    for (let i = 0; i < 200; i++) {
      const continuation = encodeURIComponent(string(random));
      cases.push({
        label: `GET shares?continuation=${continuation}`,
        send: () => send(`shares?continuation=${continuation}`, { headers: bearer(session) }),
      });
    }
    const { faults: found, outcomes } = await run(cases);
    expect(found.slice(0, 10)).toEqual([]);
    // Every 201 is a login or a share, and each stores one request (and a share one share); nothing else grew.
    const created = outcomes.filter((outcome) => outcome.status === 201).length;
    const sharesCreated = outcomes.filter(
      (outcome) => outcome.status === 201 && outcome.text.includes('"shareId"'),
    ).length;
    expect(await count("requests")).toBe(before.requests + created);
    expect(await count("shares")).toBe(before.shares + sharesCreated);
    expect(created).toBeGreaterThan(50);
  });
});

describe("fuzzing the trust API and the credential request endpoints", () => {
  it("never answers 5xx, answers every error as problem+json, and stores a request only for a 201", async () => {
    const random = seeded(SEED + 3);
    const key = await trustKey();
    await registerTrustKey("RRK", key);
    const audience = trustAudience(system.settings.SESSION_ISSUER ?? "");
    const rrkSession = await logIn(urls, "demo", "RRK");
    const share = await startedShare(urls, rrkSession, [TYPES[0] ?? "", TYPES[1] ?? ""]);
    expect((await present(urls, "demo", share.url)).status).toBe(200);
    const before = await count("credentialRequests");
    // A fresh token per case, mostly genuine; otherwise made-up text.
    const trustAuth = async () =>
      bearer(
        random() < 0.85
          ? await trustToken(key, "RRK", audience)
          : string(random).replace(/[^\x21-\x7e]/g, ""),
      );
    const text = () => nearly(random, ["Too old", "x".repeat(500), ""]);
    const reason = () => (random() < 0.8 ? { reason: text() } : {});
    const message = () => (random() < 0.5 ? { message: text() } : {});
    const cases: Case[] = [];
    for (let i = 0; i < 300; i++) {
      const shareId = random() < 0.7 ? share.shareId : segment(random);
      const type = random() < 0.7 ? pick(random, TYPES) : segment(random);
      const body =
        random() < 0.8 ? { decision: nearly(random, ["accepted", "rejected"]), ...reason() } : json(random);
      const path = `trust/shares/${shareId}/credentials/${type}/decision`;
      cases.push({
        ...postJson(random, path, body, await trustAuth(), "PUT"),
        unrouted: unrouted(shareId + type),
      });
    }
    for (let i = 0; i < 500; i++) {
      const types = Array.from({ length: 1 + int(random, 3) }, () =>
        nearly(random, [...TYPES, "StaffPassportAccessKey"]),
      );
      const body =
        random() < 0.8
          ? { staffId: nearly(random, ["RRK-0457331", "x".repeat(65)]), credentialTypes: types, ...message() }
          : json(random);
      cases.push(postJson(random, "trust/credential-requests", body, await trustAuth()));
    }
    for (let i = 0; i < 200; i++) {
      const id = segment(random);
      const method = pick(random, ["GET", "DELETE"]);
      const headers = await trustAuth();
      cases.push({
        label: `${method} trust/credential-requests/${id}`,
        unrouted: unrouted(id),
        send: () => send(`trust/credential-requests/${id}`, { method, headers }),
      });
    }
    for (let i = 0; i < 200; i++) {
      const id = segment(random);
      const body = random() < 0.8 ? reason() : json(random);
      cases.push({
        ...postJson(random, `credential-requests/${id}/decline`, body, bearer(rrkSession)),
        unrouted: unrouted(id),
      });
    }
    const { faults: found, outcomes } = await run(cases);
    expect(found.slice(0, 10)).toEqual([]);
    const created = outcomes.filter((outcome) => outcome.status === 201).length;
    expect(created).toBeGreaterThan(3);
    expect(await count("credentialRequests")).toBe(before + created);
  }, 90_000);
});

describe("fuzzing the Verified ID callback", () => {
  it("answers 401 to every body without the request's api-key, whatever it holds", async () => {
    const random = seeded(SEED + 1);
    const share = await startedShare(urls, session, [TYPES[0] ?? ""]);
    const cases: Case[] = [];
    for (let i = 0; i < 400; i++) {
      const body = random() < 0.5 ? { ...(json(random, 2) as object), state: share.shareId } : json(random);
      const key = random() < 0.5 ? { "api-key": string(random).replace(/[^\x21-\x7e]/g, "") } : {};
      cases.push(postJson(random, "verifiedid/callback", body, key));
    }
    const { faults: found, outcomes } = await run(cases);
    expect(found.slice(0, 10)).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.status !== 401 && outcome.status !== 413)).toEqual([]);
    expect((await readShare(urls, session, share.shareId)).body.status).toBe("pending");
  });

  it("never answers 5xx to a mutated body with the right api-key, and a share refused one is left as it was", async () => {
    const random = seeded(SEED + 2);
    const found: string[] = [];
    let share = await startedShare(urls, session, [TYPES[0] ?? ""]);
    let apiKey = await apiKeyOf(urls, share.url);
    for (let i = 0; i < 600; i++) {
      const base: Record<string, unknown> = {
        requestId: requestIdOf(share.url),
        requestStatus: nearly(random, ["request_retrieved", "presentation_verified", "presentation_error"]),
        state: share.shareId,
        subject: nearly(random, ["did:web:someone"]),
        verifiedCredentialsData: nearly(random, [
          [
            {
              issuer: "did:web:x",
              type: ["VerifiableCredential", TYPES[0]],
              claims: json(random),
              credentialState: { revocationStatus: "VALID" },
            },
          ],
          [json(random)],
        ]),
        ...(random() < 0.2 ? { error: json(random, 2) } : {}),
      };
      // One member of the valid shape replaced by anything.
      if (random() < 0.5) base[pick(random, Object.keys(base))] = json(random, 2);
      const before = (await readShare(urls, session, share.shareId)).body;
      const outcome = await postJson(random, "verifiedid/callback", base, { "api-key": apiKey }).send();
      for (const fault of faults(outcome)) found.push(`seed ${SEED + 2} case ${i}: ${fault}`);
      const after = (await readShare(urls, session, share.shareId)).body;
      if (outcome.status >= 400 && JSON.stringify(after) !== JSON.stringify(before)) {
        found.push(`seed ${SEED + 2} case ${i}: ${outcome.status} yet the share changed`);
      }
      if (after.status !== "pending" && after.status !== "scanned") {
        share = await startedShare(urls, session, [TYPES[0] ?? ""]);
        apiKey = await apiKeyOf(urls, share.url);
      }
    }
    expect(found.slice(0, 10)).toEqual([]);
  });
});
