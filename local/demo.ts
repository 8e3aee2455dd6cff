// `npm run demo`: walks the login and share journeys against a running `npm start`, as a member of staff with
// the demo wallet would: find the trust, open the login QR code, scan it, present the access key, collect the
// session; then tick every credential, scan the second QR code, and if the wallet lacks one, cancel, deselect
// what is missing and share the rest.
import { decodeJwt } from "jose";
import { portsFromEnv } from "./settings.js";

const ports = portsFromEnv(process.env);
const api = `http://127.0.0.1:${ports.host}/api`;
const simulator = `http://127.0.0.1:${ports.verifiedId}`;
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
type ShareView = { status: string; credentials?: { type: string }[]; error?: { code: string } };

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

async function shareEverything(session: string, trustName: string): Promise<void> {
  const auth = { authorization: `Bearer ${session}` };
  const { credentialTypes } = await json<{ credentialTypes: { type: string }[] }>(`${api}/credential-types`);
  let types = credentialTypes.map((entry) => entry.type);
  console.log(`6. ticked ${types.length} credentials and confirmed; the wallet scans the second QR code`);
  let attempt = await share(session, types);
  if (attempt.missing.length > 0) {
    console.log(`7. the wallet refused: not in the wallet: ${attempt.missing.join(", ")}`);
    await json(`${api}/shares/${attempt.started.shareId}`, { method: "DELETE", headers: auth });
    types = types.filter((type) => !attempt.missing.includes(type));
    console.log(`   cancelled that share and deselected them; sharing the other ${types.length}`);
    attempt = await share(session, types);
  }
  const view = await json<ShareView>(`${api}/shares/${attempt.started.shareId}`, { headers: auth });
  if (view.status === "shared") {
    console.log(`8. the listed credentials have been shared with ${trustName}:`);
    for (const credential of view.credentials ?? []) console.log(`   - ${credential.type}`);
  } else {
    console.log(`8. the share is ${view.status}${view.error ? ` (${view.error.code})` : ""}`);
  }
  const history = await json<{ shares: { shareId: string; trustId: string; status: string }[] }>(
    `${api}/shares`,
    { headers: auth },
  );
  console.log(`9. history: ${history.shares.map((entry) => `${entry.trustId} ${entry.status}`).join(", ")}`);
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
    await shareEverything(view.sessionToken, trust.name);
  }
}

main().catch((error: unknown) => {
  // A wallet without the requested credential refuses with 409, as Authenticator does: say so plainly.
  console.error(`stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
