// `npm run demo`: walks the login and share journeys against a running `npm start`, as a member of staff with
// the demo wallet would: find the trust, open the login QR code, scan it, present the access key, collect the
// session; then tick every credential, scan the second QR code, and if the wallet lacks one, cancel, deselect
// what is missing and share the rest. Then the trust's HR system (the demo trust) accepts one shared credential,
// rejects another with a reason, and asks for one again, which the member of staff declines with a reason.
import { decodeJwt } from "jose";
import { portsFromEnv } from "./settings.js";

const ports = portsFromEnv(process.env);
const api = `http://127.0.0.1:${ports.host}/api`;
const simulator = `http://127.0.0.1:${ports.verifiedId}`;
const demoTrust = `http://127.0.0.1:${ports.demoTrust}`;
const walletId = process.argv[3] ?? "demo";
const search = process.argv[2] ?? "Oxford";

type Init = { method?: string; body?: unknown; headers?: Record<string, string> };

async function send<T>(url: string, init?: Init): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: init?.method ?? (init?.body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json", ...init?.headers },
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function json<T>(url: string, init?: Init): Promise<T> {
  const { status, body } = await send<T>(url, init);
  if (status >= 400) throw new Error(`${url} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

type StartedShare = { shareId: string; url: string };
type ShareView = {
  status: string;
  credentials?: { type: string; decision?: { decision: string; reason?: string } }[];
  error?: { code: string };
};

/** Starts a share of these types and presents it; the wallet's refusal (409) names what it lacks. */
async function share(
  session: string,
  types: string[],
): Promise<{ started: StartedShare; missing: string[] }> {
  const auth = { authorization: `Bearer ${session}` };
  const started = await json<StartedShare>(`${api}/shares`, {
    body: { credentialTypes: types },
    headers: auth,
  });
  const scanned = await json<{ requestId: string }>(`${simulator}/wallet/wallets/${walletId}/scan`, {
    body: { url: started.url },
  });
  const presented = await send<{ missing?: string[] }>(`${simulator}/wallet/wallets/${walletId}/present`, {
    body: { requestId: scanned.requestId },
  });
  return { started, missing: presented.status === 409 ? (presented.body.missing ?? []) : [] };
}

async function shareEverything(session: string, trustName: string): Promise<ShareView & { shareId: string }> {
  const auth = { authorization: `Bearer ${session}` };
  const { credentialTypes } = await json<{ credentialTypes: { type: string }[] }>(`${api}/credential-types`);
  let types = credentialTypes.map((entry) => entry.type);
  console.log(`6. ticked ${types.length} credentials and confirmed; the wallet scans the second QR code`);
  let attempt = await share(session, types);
  if (attempt.missing.length > 0) {
    console.log(`   the wallet refused: not in the wallet: ${attempt.missing.join(", ")}`);
    await json(`${api}/shares/${attempt.started.shareId}`, { method: "DELETE", headers: auth });
    types = types.filter((type) => !attempt.missing.includes(type));
    console.log(`   cancelled that share and deselected them; sharing the other ${types.length}`);
    attempt = await share(session, types);
  }
  const view = await json<ShareView>(`${api}/shares/${attempt.started.shareId}`, { headers: auth });
  if (view.status === "shared") {
    console.log(`7. the listed credentials have been shared with ${trustName}:`);
    for (const credential of view.credentials ?? []) console.log(`   - ${credential.type}`);
  } else {
    console.log(`7. the share is ${view.status}${view.error ? ` (${view.error.code})` : ""}`);
  }
  const history = await json<{ shares: { shareId: string; trustId: string; status: string }[] }>(
    `${api}/shares`,
    { headers: auth },
  );
  console.log(`8. history: ${history.shares.map((entry) => `${entry.trustId} ${entry.status}`).join(", ")}`);
  return { ...view, shareId: attempt.started.shareId };
}

/** The trust's HR system, played by the demo trust with the trust's own signed token (API.md section 7). */
async function trustActs(session: string, trustId: string, shared: ShareView & { shareId: string }) {
  const auth = { authorization: `Bearer ${session}` };
  const [first, second] = shared.credentials ?? [];
  if (shared.status !== "shared" || first === undefined) return;
  const decide = (type: string, decision: string, reason?: string) =>
    json(`${demoTrust}/control/decide`, {
      body: { trustId, shareId: shared.shareId, type, decision, reason },
    });
  await decide(first.type, "accepted");
  if (second !== undefined) await decide(second.type, "rejected", "Older than our three-year limit");
  const view = await json<ShareView>(`${api}/shares/${shared.shareId}`, { headers: auth });
  console.log("10. the trust decided, as the share view shows:");
  for (const { type, decision } of view.credentials ?? []) {
    const reason = decision?.reason ? `: ${decision.reason}` : "";
    console.log(`   - ${type} ${decision?.decision ?? "not decided yet"}${reason}`);
  }
  const { staffId } = decodeJwt(session).staff as { staffId?: string };
  const request = await json<{ requestId: string }>(`${demoTrust}/control/request`, {
    body: {
      trustId,
      staffId,
      credentialTypes: [first.type],
      message: "Please share it again for your second post",
    },
  });
  const open = await json<{ requests: { requestId: string }[] }>(`${api}/credential-requests`, {
    headers: auth,
  });
  console.log(
    `11. the trust asked ${staffId} for ${first.type}; the portal lists ${open.requests.length} open`,
  );
  const declined = await json<{ status: string }>(`${api}/credential-requests/${request.requestId}/decline`, {
    body: { reason: "I shared it this morning" },
    headers: auth,
  });
  console.log(
    `12. the member of staff declined it (${declined.status}); the trust receives it as a share event`,
  );
}

async function main(): Promise<void> {
  const { trusts } = await json<{ trusts: { id: string; name: string }[] }>(
    `${api}/trusts?search=${encodeURIComponent(search)}`,
  );
  const trust = trusts[0];
  if (!trust) throw new Error(`No trust matches "${search}"`);
  console.log(`1. found ${trust.name} (${trust.id})`);

  const login = await json<{ loginId: string; pollToken: string; url: string; expiresAt: string }>(
    `${api}/logins`,
    {
      body: { trustId: trust.id },
    },
  );
  console.log(`2. login ${login.loginId} started; QR code opens ${login.url}`);

  const scanned = await json<{ requestId: string; requested: string[] }>(
    `${simulator}/wallet/wallets/${walletId}/scan`,
    { body: { url: login.url } },
  );
  console.log(`3. wallet "${walletId}" scanned it; asked for ${scanned.requested.join(", ")}`);

  await json(`${simulator}/wallet/wallets/${walletId}/present`, { body: { requestId: scanned.requestId } });
  const view = await json<{ status: string; sessionToken?: string; error?: { code: string } }>(
    `${api}/logins/${login.loginId}`,
    { headers: { "x-poll-token": login.pollToken } },
  );
  console.log(`4. presented; the login is ${view.status}${view.error ? ` (${view.error.code})` : ""}`);
  if (view.sessionToken) {
    const { sub, trust: trustId, staff, exp } = decodeJwt(view.sessionToken);
    console.log(
      `5. session for ${String(sub).slice(0, 40)}... at ${trustId}, staff ${JSON.stringify(staff)}`,
    );
    console.log(`   expires ${new Date((exp ?? 0) * 1000).toISOString()}`);
    const shared = await shareEverything(view.sessionToken, trust.name);
    await trustActs(view.sessionToken, trust.id, shared);
  }
}

main().catch((error: unknown) => {
  // A wallet without the requested credential refuses with 409, as Authenticator does: say so plainly.
  console.error(`stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
