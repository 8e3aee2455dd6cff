// `npm run demo`: walks the login journey against a running `npm start`, as a member of staff with the demo
// wallet would: find the trust, open the login QR code, scan it, present the access key, collect the session.
import { decodeJwt } from "jose";
import { portsFromEnv } from "./settings.js";

const ports = portsFromEnv(process.env);
const api = `http://127.0.0.1:${ports.host}/api`;
const simulator = `http://127.0.0.1:${ports.verifiedId}`;
const walletId = process.argv[3] ?? "demo";
const search = process.argv[2] ?? "Oxford";

async function json<T>(
  url: string,
  init?: { method?: string; body?: unknown; headers?: Record<string, string> },
) {
  const response = await fetch(url, {
    method: init?.method ?? (init?.body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json", ...init?.headers },
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
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
  }
}

main().catch((error: unknown) => {
  // A wallet without the requested credential refuses with 409, as Authenticator does: say so plainly.
  console.error(`stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
