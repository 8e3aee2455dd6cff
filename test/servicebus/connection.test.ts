// Connecting through the real SDK: SAS authorization over CBS, unknown entities, Config.json validation, and the
// command line entry point.
import type { ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceBusClient } from "@azure/service-bus";
import { afterEach, describe, expect, it } from "vitest";
import {
  loadEmulatorConfig,
  type ServiceBusEmulator,
  startServiceBusEmulator,
} from "../../local/servicebus/index.js";
import { spawnForTest } from "../support/processes.js";
import { configWith, queue } from "./fixtures.js";

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function emulatorWith(options: { key?: string } = {}): Promise<ServiceBusEmulator> {
  const emulator = await startServiceBusEmulator({
    config: configWith({ queues: [queue("q")] }),
    ...options,
  });
  opened.push(emulator);
  return emulator;
}

function clientFor(connectionString: string): ServiceBusClient {
  const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0 } });
  opened.push(client);
  return client;
}

function sasToken(resource: string, keyName: string, key: string, expiry: number): string {
  const sr = encodeURIComponent(resource);
  const sig = encodeURIComponent(createHmac("sha256", key).update(`${sr}\n${expiry}`).digest("base64"));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiry}&skn=${keyName}`;
}

describe("Service Bus emulator: connecting", () => {
  it("accepts the connection string of Microsoft's emulator", async () => {
    const { port } = await emulatorWith();
    const client = clientFor(
      `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
    );
    await client.createSender("q").sendMessages({ body: "hello" });
    const [message] = await client.createReceiver("q").receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(message?.body).toBe("hello");
  });

  it("refuses a token signed with the wrong key as unauthorized", async () => {
    const { port } = await emulatorWith();
    const client = clientFor(
      `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=wrong;UseDevelopmentEmulator=true;`,
    );
    await expect(client.createSender("q").sendMessages({ body: "x" })).rejects.toMatchObject({
      code: "UnauthorizedAccess",
    });
  });

  it("refuses an expired token as unauthorized", async () => {
    const { port } = await emulatorWith();
    const endpoint = `sb://localhost:${port}`;
    const expired = sasToken(
      endpoint,
      "RootManageSharedAccessKey",
      "SAS_KEY_VALUE",
      Math.floor(Date.now() / 1000) - 60,
    );
    const client = clientFor(
      `Endpoint=${endpoint};SharedAccessSignature=${expired};UseDevelopmentEmulator=true;`,
    );
    await expect(client.createSender("q").sendMessages({ body: "x" })).rejects.toMatchObject({
      code: "UnauthorizedAccess",
    });
  });

  it("accepts a valid namespace-wide token given as a shared access signature", async () => {
    const { port } = await emulatorWith();
    const endpoint = `sb://localhost:${port}`;
    const token = sasToken(
      endpoint,
      "RootManageSharedAccessKey",
      "SAS_KEY_VALUE",
      Math.floor(Date.now() / 1000) + 600,
    );
    const client = clientFor(
      `Endpoint=${endpoint};SharedAccessSignature=${token};UseDevelopmentEmulator=true;`,
    );
    await client.createSender("q").sendMessages({ body: "signed" });
    expect((await client.createReceiver("q").peekMessages(1))[0]?.body).toBe("signed");
  });

  it("limits a token to its audience: one signed for q is refused on q2", async () => {
    const emulator = await startServiceBusEmulator({
      config: configWith({ queues: [queue("q"), queue("q2")] }),
    });
    opened.push(emulator);
    const endpoint = `sb://localhost:${emulator.port}`;
    const token = sasToken(
      `${endpoint}/q`,
      "RootManageSharedAccessKey",
      "SAS_KEY_VALUE",
      Math.floor(Date.now() / 1000) + 600,
    );
    const client = clientFor(
      `Endpoint=${endpoint};SharedAccessSignature=${token};UseDevelopmentEmulator=true;`,
    );
    await client.createSender("q").sendMessages({ body: "allowed" });
    await expect(client.createSender("q2").sendMessages({ body: "x" })).rejects.toMatchObject({
      code: "UnauthorizedAccess",
    });
    expect((await client.createReceiver("q").peekMessages(1))[0]?.body).toBe("allowed");
  });

  it("uses a configured key instead of the default one", async () => {
    const emulator = await emulatorWith({ key: "local-secret" });
    expect(emulator.connectionString).toContain("SharedAccessKey=local-secret");
    await clientFor(emulator.connectionString).createSender("q").sendMessages({ body: "ok" });
    const withDefault = clientFor(emulator.connectionString.replace("local-secret", "SAS_KEY_VALUE"));
    await expect(withDefault.createSender("q").sendMessages({ body: "x" })).rejects.toMatchObject({
      code: "UnauthorizedAccess",
    });
  });

  it("reports an unknown entity as MessagingEntityNotFound to senders and receivers", async () => {
    const emulator = await emulatorWith();
    const client = clientFor(emulator.connectionString);
    await expect(client.createSender("missing").sendMessages({ body: "x" })).rejects.toMatchObject({
      code: "MessagingEntityNotFound",
    });
    await expect(
      client.createReceiver("missing").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    ).rejects.toMatchObject({
      code: "MessagingEntityNotFound",
    });
  });
});

describe("Service Bus emulator: configuration", () => {
  it("loads the service's Config.json with the share-events topic and the share-deliveries queue", async () => {
    const emulator = await startServiceBusEmulator({ config: "local/servicebus/Config.json" });
    opened.push(emulator);
    const client = clientFor(emulator.connectionString);
    await client.createSender("share-events").sendMessages({ body: "event", messageId: "e-1" });
    await client.createSender("share-events").sendMessages({ body: "event", messageId: "e-1" });
    await client.createSender("share-deliveries").sendMessages({ body: "retry" });
    for (const subscription of ["record", "deliver"]) {
      const peeked = await client.createReceiver("share-events", subscription).peekMessages(10);
      expect(peeked.map((m) => m.body)).toEqual(["event"]);
    }
    expect((await client.createReceiver("share-deliveries").peekMessages(10)).map((m) => m.body)).toEqual([
      "retry",
    ]);
    const config = await loadEmulatorConfig("local/servicebus/Config.json");
    const topic = config.UserConfig.Namespaces[0]?.Topics[0];
    expect(
      topic?.Subscriptions.map((s) => [s.Name, s.Properties?.MaxDeliveryCount, s.Properties?.LockDuration]),
    ).toEqual([
      ["record", 10, "PT1M"],
      ["deliver", 10, "PT1M"],
    ]);
  });

  it("refuses a bad Config.json at start with a message naming the field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sb-config-"));
    const path = join(dir, "Config.json");
    const bad = configWith({ queues: [queue("q", { LockDuration: "one minute" })] });
    await writeFile(path, JSON.stringify(bad));
    await expect(startServiceBusEmulator({ config: path })).rejects.toThrow(
      /UserConfig\.Namespaces\[0\]\.Queues\[0\]\.Properties\.LockDuration/,
    );
    const unknownField = configWith({ queues: [{ Name: "q", Properties: { MaxDeliveryCont: 3 } as never }] });
    await expect(startServiceBusEmulator({ config: unknownField })).rejects.toThrow(/MaxDeliveryCont/);
    const badSql = configWith({
      topics: [
        {
          Name: "t",
          Subscriptions: [
            {
              Name: "s",
              Rules: [
                { Name: "r", Properties: { FilterType: "Sql", SqlFilter: { SqlExpression: "a = = 1" } } },
              ],
            },
          ],
        },
      ],
    });
    await expect(startServiceBusEmulator({ config: badSql })).rejects.toThrow(
      /Topics\[0\]\.Subscriptions\[0\]\.Rules\[0\]\.Properties\.SqlFilter\.SqlExpression/,
    );
  });
});

describe("Service Bus emulator: configuration checks", () => {
  it("refuses unknown keys in queues, topics, subscriptions and namespaces, naming them", async () => {
    const typo = configWith({ topics: [{ Name: "t", Subscriptons: [{ Name: "s" }] } as never] });
    await expect(startServiceBusEmulator({ config: typo })).rejects.toThrow(
      /Namespaces\[0\]\.Topics\[0\].*Subscriptons/,
    );
    const queueTypo = configWith({ queues: [{ Name: "q", Propertes: {} } as never] });
    await expect(startServiceBusEmulator({ config: queueTypo })).rejects.toThrow(/Queues\[0\].*Propertes/);
    const subscriptionTypo = configWith({
      topics: [{ Name: "t", Subscriptions: [{ Name: "s", Rule: [] } as never] }],
    });
    await expect(startServiceBusEmulator({ config: subscriptionTypo })).rejects.toThrow(
      /Subscriptions\[0\].*"Rule"/,
    );
    const namespaceTypo = {
      UserConfig: { Namespaces: [{ Name: "ns", Queus: [{ Name: "q" }] }] },
    };
    await expect(startServiceBusEmulator({ config: namespaceTypo as never })).rejects.toThrow(
      /Namespaces\[0\].*Queus/,
    );
  });

  it("refuses entity names that differ only in case, as Service Bus matches names case-insensitively", async () => {
    const queues = configWith({ queues: [queue("Orders"), queue("orders")] });
    await expect(startServiceBusEmulator({ config: queues })).rejects.toThrow(
      /Queues\[1\]\.Name: 'orders' clashes with 'Orders'/,
    );
    const queueAndTopic = configWith({ queues: [queue("events")], topics: [{ Name: "Events" }] });
    await expect(startServiceBusEmulator({ config: queueAndTopic })).rejects.toThrow(/Topics\[0\]\.Name/);
    const subscriptions = configWith({
      topics: [{ Name: "t", Subscriptions: [{ Name: "s" }, { Name: "S" }] }],
    });
    await expect(startServiceBusEmulator({ config: subscriptions })).rejects.toThrow(
      /Topics\[0\]\.Subscriptions\[1\]\.Name/,
    );
    const rule = {
      Name: "r",
      Properties: { FilterType: "Sql" as const, SqlFilter: { SqlExpression: "1=1" } },
    };
    const rules = configWith({
      topics: [{ Name: "t", Subscriptions: [{ Name: "s", Rules: [rule, { ...rule, Name: "R" }] }] }],
    });
    await expect(startServiceBusEmulator({ config: rules })).rejects.toThrow(
      /Subscriptions\[0\]\.Rules\[1\]\.Name/,
    );
  });
});

describe("Service Bus emulator: command line", () => {
  it("prints the port it listens on and stops cleanly on SIGTERM", async () => {
    // Killed when the test ends, even if it fails before the SIGTERM below.
    const child: ChildProcess = spawnForTest(
      "node_modules/.bin/tsx",
      ["local/servicebus/cli.ts", "--port", "0", "--config", "local/servicebus/Config.json"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${output}`)), 20_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on port (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    const client = new ServiceBusClient(
      `Endpoint=sb://localhost:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
    );
    await client.createSender("share-deliveries").sendMessages({ body: "through the cli" });
    await client.close();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
