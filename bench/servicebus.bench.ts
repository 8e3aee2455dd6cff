// Service Bus emulator benchmark: messages per second for send → peek-lock receive → complete through the real SDK
// with 1 and 16 receivers (16 twice: cold, on a fresh process, and warm), against the same workload on the null
// broker (bench/nullBroker.ts) in the same run, and the emulator's send-to-handler latency at a fixed 1,000 msg/s.
// Writes bench/results/servicebus.json: the emulator's rate as a fraction of the null broker's.
// Unique messages are counted (a redelivery is a problem, not throughput), and the run exits non-zero if a handler
// reported an error, a message was lost or handled twice, or anything was left in a queue.
// Each broker runs in its own process (the emulator through its command line), so that the SDK clients here do
// not share its event loop. On a shared machine the rates move with whatever else runs, so each of BENCH_ROUNDS
// rounds (3) starts both brokers fresh and runs each scenario on one straight after the other; the figures are the
// medians of the rounds, with the CPU each process spent per 1,000 messages (which moves much less).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ServiceBusClient, type ServiceBusReceiver } from "@azure/service-bus";
import { cpuDuring, median, report, round } from "./support.js";

const SCENARIO_TIME_LIMIT_MS = 60_000;
const SEND_BATCH = 100;

const config = {
  UserConfig: {
    Namespaces: [
      {
        Name: "sbemulatorns",
        Queues: [1, 16, 99].map((n) => ({
          Name: `bench-${n}`,
          Properties: { LockDuration: "PT1M", MaxDeliveryCount: 10 },
        })),
      },
    ],
  },
};

interface Consumers {
  receivers: ServiceBusReceiver[];
  stop(): Promise<void>;
}

/** Anything that makes the figures untrustworthy: processError calls, lost messages, messages left behind. */
const problems: string[] = [];

interface Handled {
  readonly n: number | undefined;
  readonly sentAt: number | undefined;
}

/**
 * Handlers complete each message themselves, so that `onCompleted` runs once the emulator has it: a scenario that
 * stops its receivers then leaves no completion in flight (which would be lost, and its message redelivered).
 */
function consume(
  client: ServiceBusClient,
  queue: string,
  count: number,
  handlers: { onReceived?: (handled: Handled) => void; onCompleted: (handled: Handled) => void },
): Consumers {
  const receivers = Array.from({ length: count }, () => client.createReceiver(queue));
  for (const receiver of receivers) {
    receiver.subscribe(
      {
        processMessage: async (message) => {
          const sentAt = message.applicationProperties?.sentAt;
          const n = (message.body as { n?: unknown } | undefined)?.n;
          const handled = {
            n: typeof n === "number" ? n : undefined,
            sentAt: typeof sentAt === "number" ? sentAt : undefined,
          };
          handlers.onReceived?.(handled);
          await receiver.completeMessage(message);
          handlers.onCompleted(handled);
        },
        processError: async (args) => {
          problems.push(`${queue}: processError (${args.errorSource}): ${args.error.message}`);
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 1 },
    );
  }
  return { receivers, stop: async () => Promise.all(receivers.map((r) => r.close())).then(() => undefined) };
}

/** Every message must have been completed: the queue (locked messages included) and its dead-letter queue are empty. */
async function expectEmpty(connectionString: string, queue: string): Promise<void> {
  const client = new ServiceBusClient(connectionString);
  try {
    const receiver = client.createReceiver(queue);
    const deadline = Date.now() + 5_000;
    let left = await receiver.peekMessages(10);
    // Completions of the last messages may still be on their way when the receivers close. Peeks carry on after
    // the last message peeked, so each looks again from the earliest one still there.
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const fromSequenceNumber = left[0]?.sequenceNumber;
      left = await receiver.peekMessages(10, fromSequenceNumber ? { fromSequenceNumber } : {});
    }
    if (left.length > 0) problems.push(`${queue}: messages left in the queue at the end`);
    const dead = await client.createReceiver(queue, { subQueueType: "deadLetter" }).peekMessages(10);
    if (dead.length > 0) problems.push(`${queue}: ${dead.length}+ messages dead-lettered`);
  } finally {
    await client.close();
  }
}

/** A broker to drive: the emulator, whose queues can be checked for leftovers, or the null broker. */
type Broker = { name: string; connectionString: string; pid: number; checked: boolean };

async function throughput(broker: Broker, receiverCount: number, total: number) {
  const { connectionString } = broker;
  const sendClient = new ServiceBusClient(connectionString);
  const receiveClient = new ServiceBusClient(connectionString);
  const queue = `bench-${receiverCount}`;
  // Unique messages handled; a redelivered message is counted once (and reported as a redelivery).
  const handled = new Set<number>();
  let redeliveries = 0;
  let completed = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const started = performance.now();
  const consumers = consume(receiveClient, queue, receiverCount, {
    onCompleted: ({ n }) => {
      if (n === undefined || handled.has(n)) {
        redeliveries += 1;
        return;
      }
      handled.add(n);
      if (handled.size === total) {
        completed = performance.now();
        finish();
      }
    },
  });
  const sender = sendClient.createSender(queue);
  for (let sent = 0; sent < total; sent += SEND_BATCH) {
    const size = Math.min(SEND_BATCH, total - sent);
    await sender.sendMessages(Array.from({ length: size }, (_, i) => ({ body: { n: sent + i } })));
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, SCENARIO_TIME_LIMIT_MS).unref());
  await Promise.race([finished, timeout]);
  const seconds = ((completed || performance.now()) - started) / 1000;
  const received = handled.size;
  await consumers.stop();
  await sendClient.close();
  await receiveClient.close();
  if (received < total)
    problems.push(`${broker.name} ${queue}: ${total - received} of ${total} messages never handled`);
  if (redeliveries > 0)
    problems.push(`${broker.name} ${queue}: ${redeliveries} messages handled more than once`);
  if (broker.checked) await expectEmpty(connectionString, queue);
  return { receivers: receiverCount, messages: received, seconds, perSecond: received / seconds };
}

async function latency(connectionString: string, rate: number, durationMs: number) {
  const sendClient = new ServiceBusClient(connectionString);
  const receiveClient = new ServiceBusClient(connectionString);
  const samples: number[] = [];
  const seen = new Set<number>();
  const done = new Set<number>();
  const total = Math.round((rate * durationMs) / 1000);
  let warmedUp = 0;
  const consumers = consume(receiveClient, "bench-99", 16, {
    // Latency is to the handler; a message counts as done once completed.
    onReceived: ({ n, sentAt }) => {
      if (sentAt === undefined || n === undefined || seen.has(n)) return;
      seen.add(n);
      samples.push(Date.now() - sentAt);
    },
    onCompleted: ({ n, sentAt }) => {
      if (sentAt === undefined) warmedUp += 1;
      else if (n !== undefined) done.add(n);
    },
  });
  // Links attach and the SDK settles in before measuring, so the figures are for steady running, not start-up.
  const sender = sendClient.createSender("bench-99");
  const warmUp = 200;
  await sender.sendMessages(Array.from({ length: warmUp }, () => ({ body: "warm-up" })));
  const warmDeadline = Date.now() + 10_000;
  while (warmedUp < warmUp && Date.now() < warmDeadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = Date.now();
  let sent = 0;
  const sends: Promise<void>[] = [];
  while (sent < total && Date.now() - started < SCENARIO_TIME_LIMIT_MS) {
    const due = Math.min(total, Math.floor(((Date.now() - started) * rate) / 1000));
    while (sent < due) {
      sends.push(sender.sendMessages({ body: { n: sent }, applicationProperties: { sentAt: Date.now() } }));
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(sends);
  const deadline = Date.now() + 10_000;
  while (done.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await consumers.stop();
  await sendClient.close();
  await receiveClient.close();
  if (samples.length < total)
    problems.push(`bench-99: ${total - samples.length} of ${total} messages never handled`);
  await expectEmpty(connectionString, "bench-99");
  samples.sort((a, b) => a - b);
  const at = (q: number): number =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return { sent, received: samples.length, p50: at(0.5), p99: at(0.99) };
}

/** Runs a broker's command line in its own process, until it prints the port it listens on. */
async function startBrokerProcess(
  args: string[],
): Promise<{ child: ChildProcess; pid: number; connectionString: string }> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_PROF_DIR=<dir> writes each broker's CPU profile there.
      ...(process.env.BENCH_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : []),
      "--import",
      "tsx",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${output}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}: ${output}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on port (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    child,
    pid: child.pid ?? Number.NaN,
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
  };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

type Scenario = {
  receivers: number;
  messages: number;
  seconds: number;
  perSecond: number;
  /** CPU time of the broker's process and of this one (the SDK clients) per 1,000 messages. */
  brokerCpuPer1000: number;
  clientCpuPer1000: number;
};

/**
 * Runs one scenario and adds the CPU both processes spent on it: on a shared machine the message rate varies with
 * whatever else runs, the CPU per message much less. With BENCH_PROF_DIR, also prints the scenario's window on the
 * monotonic clock that the CPU profiles' timestamps use, to cut a profile into scenarios.
 */
async function scenario(
  broker: Broker,
  name: string,
  receiverCount: number,
  total: number,
): Promise<Scenario> {
  const atMicroseconds = () => process.hrtime.bigint() / 1000n;
  const start = atMicroseconds();
  const { result, cpuMs } = await cpuDuring({ broker: broker.pid, client: process.pid }, () =>
    throughput(broker, receiverCount, total),
  );
  if (process.env.BENCH_PROF_DIR) {
    console.log(`profile window: ${broker.name} ${name} ${start} ${atMicroseconds()} µs`);
  }
  const per1000 = (ms: number | undefined) => ((ms ?? Number.NaN) * 1000) / result.messages;
  return { ...result, brokerCpuPer1000: per1000(cpuMs.broker), clientCpuPer1000: per1000(cpuMs.client) };
}

const SCENARIOS = ["one", "cold", "warm"] as const;
type ScenarioName = (typeof SCENARIOS)[number];
type Workload = Record<ScenarioName, Scenario>;

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/** One receiver, then 16 receivers twice: the first of these on a process that has not run it before (cold). */
const receiversOf: Record<ScenarioName, number> = { one: 1, cold: 16, warm: 16 };
const messagesOf = (name: ScenarioName) => (name === "one" ? 5_000 : MESSAGES);

/**
 * One round: both brokers start fresh, then run each scenario in turn, one broker straight after the other, in the
 * order null-emulator, emulator-null, null-emulator (reversed in every other round). Both so meet the same load
 * on a shared machine, and neither is always the one that runs first or second.
 */
async function runRound(
  index: number,
  configPath: string,
  children: ChildProcess[],
  last: (emulator: Broker) => Promise<void>,
): Promise<{ emulator: Workload; ceiling: Workload }> {
  const nullProcess = await startBrokerProcess(["bench/nullBroker.ts"]);
  children.push(nullProcess.child);
  const emulatorProcess = await startBrokerProcess([
    "local/servicebus/cli.ts",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--config",
    configPath,
  ]);
  children.push(emulatorProcess.child);
  const brokers = {
    ceiling: { name: "null broker", ...nullProcess, checked: false },
    emulator: { name: "emulator", ...emulatorProcess, checked: true },
  };
  const results: Partial<Record<keyof typeof brokers, Partial<Workload>>> = { ceiling: {}, emulator: {} };
  for (const [position, name] of SCENARIOS.entries()) {
    const order = (["ceiling", "emulator"] as const).slice();
    if ((position + index) % 2 === 1) order.reverse();
    for (const key of order) {
      const broker = brokers[key];
      (results[key] ?? {})[name] = await scenario(broker, name, receiversOf[name], messagesOf(name));
    }
  }
  await stopProcess(nullProcess.child);
  await last(brokers.emulator);
  await stopProcess(emulatorProcess.child);
  return { emulator: results.emulator as Workload, ceiling: results.ceiling as Workload };
}

const middle = (values: number[]) => median(values.filter((value) => Number.isFinite(value)));

const dir = await mkdtemp(join(tmpdir(), "servicebus-bench-"));
const configPath = join(dir, "Config.json");
await writeFile(configPath, JSON.stringify(config));
const children: ChildProcess[] = [];
try {
  const rounds: { emulator: Workload; ceiling: Workload }[] = [];
  let lat: Awaited<ReturnType<typeof latency>> | undefined;
  for (let index = 0; index < ROUNDS; index++) {
    rounds.push(
      await runRound(index, configPath, children, async (emulator) => {
        if (index === ROUNDS - 1) lat = await latency(emulator.connectionString, 1_000, 5_000);
      }),
    );
  }
  // Each round's ratio compares runs made one straight after the other; the figures are the rounds' medians.
  const ratios = (name: ScenarioName) =>
    rounds.map((r) => r.emulator[name].perSecond / r.ceiling[name].perSecond);
  const ratioOf = (name: ScenarioName) => middle(ratios(name));
  const medianOf = (side: "emulator" | "ceiling", name: ScenarioName, key: keyof Scenario) =>
    middle(rounds.map((r) => r[side][name][key]));
  console.log(
    `send → peek-lock receive → complete, real @azure/service-bus SDK; medians of ${ROUNDS} round(s)`,
  );
  const row = (side: "emulator" | "ceiling", name: ScenarioName) => ({
    broker: side === "emulator" ? "emulator" : "null broker",
    scenario: name,
    receivers: receiversOf[name],
    messages: medianOf(side, name, "messages"),
    seconds: round(medianOf(side, name, "seconds"), 2),
    "msg/s": Math.round(medianOf(side, name, "perSecond")),
    "broker CPU ms/1000": Math.round(medianOf(side, name, "brokerCpuPer1000")),
    "client CPU ms/1000": Math.round(medianOf(side, name, "clientCpuPer1000")),
    ...(side === "emulator" ? { ratio: round(ratioOf(name), 3) } : {}),
  });
  const rows = SCENARIOS.flatMap((name) => [row("emulator", name), row("ceiling", name)]);
  const perScenario = (side: "emulator" | "ceiling", key: keyof Scenario) =>
    Object.fromEntries(SCENARIOS.map((name) => [name, Math.round(medianOf(side, name, key))]));
  const coldRatio = ratioOf("cold");
  const warmRatio = ratioOf("warm");
  if (lat) {
    console.log("Emulator latency from send to handler at a fixed 1,000 msg/s (16 receivers)");
    console.table([{ sent: lat.sent, received: lat.received, "p50 ms": lat.p50, "p99 ms": lat.p99 }]);
  }
  report(
    {
      name: "servicebus",
      unit: "ratio of the emulator's msg/s to the null broker's (16 receivers, the lower of cold and warm)",
      value: Math.min(coldRatio, warmRatio),
      baseline: {
        name: "null broker msg/s (16 receivers, warm)",
        value: medianOf("ceiling", "warm", "perSecond"),
      },
      ratio: Math.min(coldRatio, warmRatio),
      params: {
        target: 0.8,
        messages: MESSAGES,
        rounds: ROUNDS,
        coldRatio: round(coldRatio, 3),
        warmRatio: round(warmRatio, 3),
        oneReceiverRatio: round(ratioOf("one"), 3),
        roundRatios: Object.fromEntries(
          SCENARIOS.map((name) => [name, ratios(name).map((r) => round(r, 3))]),
        ),
        emulatorPerSecond: perScenario("emulator", "perSecond"),
        nullBrokerPerSecond: perScenario("ceiling", "perSecond"),
        brokerCpuMsPer1000: {
          emulator: perScenario("emulator", "brokerCpuPer1000"),
          nullBroker: perScenario("ceiling", "brokerCpuPer1000"),
        },
        clientCpuMsPer1000: {
          emulator: perScenario("emulator", "clientCpuPer1000"),
          nullBroker: perScenario("ceiling", "clientCpuPer1000"),
        },
        ...(lat ? { latencyAt1000: { p50: lat.p50, p99: lat.p99 } } : {}),
      },
    },
    rows,
  );
} catch (error) {
  problems.push(`the benchmark failed: ${(error as Error).message}`);
} finally {
  for (const child of children) await stopProcess(child);
  await rm(dir, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`The figures above cannot be trusted:\n- ${problems.join("\n- ")}`);
  process.exitCode = 1;
}
