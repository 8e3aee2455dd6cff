// What every benchmark shares: the result file (`{ name, unit, value, baseline, ratio, params }` in
// bench/results/<name>.json), medians and percentiles, a process's CPU time and memory read from /proc, and a
// closed-loop HTTP load generator on keep-alive connections.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

export type BenchResult = {
  name: string;
  unit: string;
  value: number;
  baseline: { name: string; value: number };
  ratio: number;
  params: Record<string, unknown>;
};

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/** Prints the table and the headline, and writes bench/results/<name>.json. */
export function report(
  result: Omit<BenchResult, "ratio"> & { ratio?: number },
  rows: readonly Record<string, unknown>[],
): BenchResult {
  const complete: BenchResult = {
    ...result,
    value: round(result.value, 3),
    baseline: { ...result.baseline, value: round(result.baseline.value, 3) },
    ratio: round(result.ratio ?? result.value / result.baseline.value, 3),
  };
  if (rows.length > 0) console.table(rows);
  console.log(
    `${complete.name}: ${complete.value} ${complete.unit}; ${complete.baseline.name} ${complete.baseline.value}; ` +
      `ratio ${complete.ratio}`,
  );
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${complete.name}.json`, dir), `${JSON.stringify(complete, null, 2)}\n`);
  return complete;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User and system CPU time of a process so far, in ms (from /proc, so any process on this machine). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of a process, in bytes. */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

/** CPU ms of each named process spent while `work` runs. */
export async function cpuDuring<T>(
  pids: Readonly<Record<string, number>>,
  work: () => Promise<T>,
): Promise<{ result: T; cpuMs: Record<string, number>; wallMs: number }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid)]));
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const cpuMs = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid) - (before[name] ?? 0)]),
  );
  return { result, cpuMs, wallMs };
}

export type JsonReply<T> = { status: number; body: T };

/** One JSON request on the agent's connections; a body that is not JSON comes back as its text. */
export function callJson<T = Record<string, unknown>>(
  agent: Agent,
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply<T>> {
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: init.method ?? (payload === undefined ? "GET" : "POST"),
        headers: {
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          ...init.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: body as T });
        });
        response.on("error", reject);
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed as the request went out: send it again on a fresh one.
      if (req.reusedSocket && error.code === "ECONNRESET")
        callJson<T>(agent, url, init).then(resolve, reject);
      else reject(error);
    });
    req.end(payload);
  });
}

/** A JSON call that must answer 2xx. */
export async function ok<T = Record<string, unknown>>(
  agent: Agent,
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const reply = await callJson<T>(agent, url, init);
  if (reply.status < 200 || reply.status > 299)
    throw new Error(`${init.method ?? "GET/POST"} ${url}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Keep-alive connections, dropped after 4 s idle, before a Node.js server's 5 s keep-alive timeout closes them. */
export const keepAlive = (connections: number) =>
  new Agent({ keepAlive: true, maxSockets: connections, timeout: 4_000 });

/**
 * A closed loop of `connections` workers on as many keep-alive connections (as autocannon runs), each taking the
 * next of `total` items until none is left. Latencies in ms, per item.
 */
export async function closedLoop(
  connections: number,
  total: number,
  one: (index: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number; perSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        const index = next++;
        const begun = performance.now();
        await one(index);
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, seconds, perSecond: total / seconds };
}

export type Part = {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What the part printed when ready (its port, URL, connection string). */
  readonly info: Record<string, unknown>;
  /** Sends a command line and resolves with the part's JSON reply. */
  command<T = Record<string, unknown>>(line: string): Promise<T>;
  stop(): Promise<void>;
};

/**
 * Runs one part of the system (bench/parts.ts) in a process of its own, so that its CPU time is its own. `env`
 * adds to this process's environment.
 */
export async function startPart(
  name: string,
  env: Record<string, string> = {},
  nodeOptions: readonly string[] = [],
): Promise<Part> {
  const child = spawn(process.execPath, [...nodeOptions, "--import", "tsx", "bench/parts.ts", name], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const replies: ((line: string) => void)[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 60_000);
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    lines.on("line", (line) => {
      if (line.startsWith("ready ")) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice("ready ".length)) as Record<string, unknown>);
      } else if (line.startsWith("reply ")) replies.shift()?.(line.slice("reply ".length));
      else if (process.env.BENCH_VERBOSE) console.log(`[${name}] ${line}`);
    });
  });
  return {
    child,
    pid: child.pid ?? 0,
    info,
    command: <T>(line: string) =>
      new Promise<T>((resolve) => {
        replies.push((text) => resolve(JSON.parse(text) as T));
        child.stdin?.write(`${line}\n`);
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export type NpmStart = {
  child: ChildProcess;
  /** From spawning `npm start` to its `ready` line, and what the line says the system's own start took. */
  readyMs: number;
  ownStartMs: number;
  urls: { api: string; sim: string; trust: string };
  stop(): Promise<void>;
};

/** `npm start` as a user runs it, on free ports (PORT and the other overrides), in a process group of its own. */
export async function npmStart(ports: Record<string, number>): Promise<NpmStart> {
  const started = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    } catch {
      // The group is gone already.
    }
    await exited;
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(
        () => reject(new Error(`npm start printed no ready line:\n${output}`)),
        60_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // Whole lines only: the ready line names every part's URL, and a chunk may end inside it.
        const ready = output
          .split("\n")
          .slice(0, -1)
          .find((text) => /\bready\b/.test(text));
        if (ready) {
          clearTimeout(timer);
          resolve(ready);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", () => reject(new Error(`npm start exited before ready:\n${output}`)));
    });
    const readyMs = performance.now() - started;
    const find = (name: string) => new RegExp(`\\b${name}=(\\S+)`).exec(line)?.[1] ?? "";
    return {
      child,
      readyMs,
      ownStartMs: Number(/ready in (\d+) ms/.exec(line)?.[1] ?? Number.NaN),
      urls: { api: `${find("host")}/api`, sim: find("verifiedId"), trust: find("demoTrust") },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
