// `npm run soak [-- --shares N --fail-rate R --concurrency C]`: N shares (10,000 unless told) through the whole
// local system, with the demo trust answering 503 to a share R of its pushes at random (0.3 unless told): the
// portal starts each share, the simulated wallet scans and presents it, the callback stores its event in the
// outbox, and the record and deliver consumers take it to the trust, retrying and dead-lettering as they must.
// Then it waits for the pipeline to settle, audits it, prints accepted, recorded, delivered, dead-lettered,
// lost and duplicated, and exits 1 if anything was lost or duplicated. test/e2e/soak.test.ts runs a short one.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type LocalSystem, startSystem } from "../local/system.js";
import { services } from "../src/composition.js";
import { logIn, present, scan, startShare, type Urls } from "../test/support/journeys.js";
import { type PipelineAudit, settledAudit } from "../test/support/pipelineAudit.js";
import { call } from "../test/support/system.js";

/** Retries quick enough that a soak sees deliveries retried, delivered late and dead-lettered within minutes. */
export const SOAK_SETTINGS = {
  SHARE_DELIVERY_MAX_ATTEMPTS: "4",
  SHARE_DELIVERY_FIRST_RETRY_SECONDS: "0.5",
  SHARE_DELIVERY_BACKOFF_MULTIPLIER: "2",
  SHARE_DELIVERY_MAX_RETRY_SECONDS: "2",
  SHARE_DELIVERY_JITTER: "0.2",
  SHARE_DELIVERY_TIMEOUT_SECONDS: "5",
};

export type SoakOptions = {
  shares: number;
  failRate: number;
  concurrency: number;
  /** How long the pipeline may take to settle once every share is presented. */
  settleTimeoutMs: number;
  progress?: (line: string) => void;
};

export type SoakReport = Omit<PipelineAudit, "problems"> & {
  shares: number;
  /** The wallet presented it and the service answered its callback. */
  presented: number;
  /** Portal or wallet calls that failed (the share was then never accepted). */
  errors: number;
  seconds: number;
  problems: PipelineAudit["problems"];
};

/** One session for every worker, logged in again well before its 15 minutes are up, or after a failed login. */
function sessions(urls: Urls) {
  const RENEW_AFTER_MS = 10 * 60_000;
  let current: { token: Promise<string>; at: number } | undefined;
  return () => {
    if (current === undefined || Date.now() - current.at > RENEW_AFTER_MS) {
      const token = logIn(urls, "demo", "RTH");
      const mine = { token, at: Date.now() };
      current = mine;
      token.catch(() => {
        if (current === mine) current = undefined;
      });
    }
    return current.token;
  };
}

/** Runs the soak against a started system: the demo trust is left failing at random until the audit is done. */
export async function runSoak(system: LocalSystem, options: SoakOptions): Promise<SoakReport> {
  const urls: Urls = { api: `${system.urls.host}/api`, sim: system.urls.verifiedId };
  const progress = options.progress ?? (() => {});
  const control = await call(`${system.urls.demoTrust}/control`, {
    body: { mode: "random", failRate: options.failRate },
  });
  if (control.status !== 200) throw new Error(`the demo trust refused random mode: ${control.status}`);
  const session = sessions(urls);
  const presented = new Set<string>();
  let errors = 0;
  let next = 0;
  const started = Date.now();

  const shareOnce = async () => {
    const token = await session();
    const share = await startShare(urls, token, ["StaffPassportIdentity", "StaffPassportDbsCheck"]);
    if (share.status !== 201) throw new Error(`POST /api/shares answered ${share.status}`);
    const scanned = await scan(urls, "demo", share.body.url);
    if (scanned.status !== 200) throw new Error(`the wallet's scan answered ${scanned.status}`);
    const presenting = await present(urls, "demo", share.body.url);
    if (presenting.status !== 200) throw new Error(`the wallet's present answered ${presenting.status}`);
    presented.add(share.body.shareId);
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let i = next++; i < options.shares; i = next++) {
        try {
          await shareOnce();
        } catch (error) {
          errors++;
          if (errors <= 10) progress(`share ${i} failed: ${(error as Error).message}`);
        }
        if ((i + 1) % 500 === 0) {
          const seconds = (Date.now() - started) / 1000;
          progress(`${i + 1} shares presented in ${seconds.toFixed(0)} s`);
        }
      }
    }),
  );
  progress(
    `all ${options.shares} shares presented in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for the pipeline to settle`,
  );
  const audit = await settledAudit(system, { timeoutMs: options.settleTimeoutMs });
  // A share the wallet presented and the service answered, yet not `shared`, is lost from the person's view.
  const accepted = await acceptedShareIds();
  const neverAccepted = [...presented].filter((id) => !accepted.has(id));
  return {
    ...audit,
    shares: options.shares,
    presented: presented.size,
    errors,
    lost: audit.lost + neverAccepted.length,
    problems: [
      ...audit.problems,
      ...neverAccepted.map((shareId) => ({
        shareId,
        fate: { kind: "lost" as const, why: "presented by the wallet, but never shared" },
      })),
    ],
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

async function acceptedShareIds(): Promise<Set<string>> {
  const { resources } = await (await services().database())
    .container("shares")
    .items.query<string>("SELECT VALUE c.id FROM c WHERE c.progress.status = 'shared'")
    .fetchAll();
  return new Set(resources);
}

export function printReport(report: SoakReport, print: (line: string) => void = console.log): void {
  const rows: [string, number][] = [
    ["shares started", report.shares],
    ["presented by the wallet", report.presented],
    ["portal or wallet errors", report.errors],
    ["accepted (shared)", report.accepted],
    ["recorded", report.recorded],
    ["delivered", report.delivered],
    ["dead-lettered", report.deadLettered],
    ["refused by the trust", report.failed],
    ["lost", report.lost],
    ["duplicated", report.duplicated],
    ["redelivered to the trust (same jti)", report.redelivered],
    ["seconds", report.seconds],
  ];
  print("| figure | count |");
  print("| --- | --- |");
  for (const [name, value] of rows) print(`| ${name} | ${value} |`);
  for (const problem of report.problems.slice(0, 20))
    print(`${problem.shareId}: ${JSON.stringify(problem.fate)}`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      shares: { type: "string", default: "10000" },
      "fail-rate": { type: "string", default: "0.3" },
      concurrency: { type: "string", default: "8" },
    },
  });
  const shares = Number(values.shares);
  const failRate = Number(values["fail-rate"]);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(shares) || shares < 1 || !(failRate >= 0 && failRate <= 1) || !(concurrency >= 1)) {
    console.error("usage: npm run soak -- [--shares N] [--fail-rate 0..1] [--concurrency C]");
    return 2;
  }
  const system = await startSystem({
    ports: { host: 0, verifiedId: 0, demoTrust: 0, cosmos: 0, serviceBus: 0 },
    settings: { LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), "staff-passport-soak-")), ...SOAK_SETTINGS },
  });
  try {
    console.log(
      `soak: ${shares} shares, demo trust failing ${failRate * 100} % at random, ${concurrency} at once`,
    );
    const report = await runSoak(system, {
      shares,
      failRate,
      concurrency,
      settleTimeoutMs: 10 * 60_000,
      progress: (line) => console.log(line),
    });
    printReport(report);
    return report.lost === 0 && report.duplicated === 0 ? 0 : 1;
  } finally {
    await system.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
