// Sessions through the real SDK: accepting a named or the next session, session state, session lock renewal,
// refusing a session another receiver holds, and SessionLockLost once a session lock expires.
import { ServiceBusClient } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, type Running, sleep, startWith } from "./fixtures.js";
import { connectRaw } from "./rawAmqp.js";

const opened = closedAfterEach();

async function startSessions(): Promise<Running> {
  opened.running = await startWith({
    queues: [queue("by-trust", { RequiresSession: true, LockDuration: "PT5S" })],
  });
  await opened.running.client.createSender("by-trust").sendMessages([
    { body: "a1", sessionId: "trust-a" },
    { body: "b1", sessionId: "trust-b" },
    { body: "a2", sessionId: "trust-a" },
  ]);
  return opened.running;
}

describe("Service Bus emulator: sessions", () => {
  it("delivers only the accepted session's messages, in order", async () => {
    const r = await startSessions();
    const receiver = await r.client.acceptSession("by-trust", "trust-a");
    const messages = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1000 });
    expect(messages.map((m) => m.body)).toEqual(["a1", "a2"]);
    expect(messages.every((m) => m.sessionId === "trust-a")).toBe(true);
    expect(receiver.sessionLockedUntilUtc?.getTime()).toBeGreaterThan(Date.now());
  });

  it("accepts the next session that has messages waiting", async () => {
    const r = await startSessions();
    const first = await r.client.acceptNextSession("by-trust");
    const second = await r.client.acceptNextSession("by-trust");
    expect([first.sessionId, second.sessionId].sort()).toEqual(["trust-a", "trust-b"]);
    const [message] = await second.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(message?.sessionId).toBe(second.sessionId);
  });

  it("refuses a session that another receiver holds with SessionCannotBeLocked", async () => {
    const r = await startSessions();
    await r.client.acceptSession("by-trust", "trust-a");
    await expect(r.client.acceptSession("by-trust", "trust-a")).rejects.toMatchObject({
      code: "SessionCannotBeLocked",
    });
  });

  it("holds acceptNextSession until a session is released, then accepts it", async () => {
    const r = await startSessions();
    const holder = await r.client.acceptSession("by-trust", "trust-a");
    await r.client.acceptSession("by-trust", "trust-b");
    const asked = Date.now();
    const next = r.client.acceptNextSession("by-trust");
    await sleep(400);
    await holder.close();
    const receiver = await next;
    expect(receiver.sessionId).toBe("trust-a");
    expect(Date.now() - asked).toBeGreaterThanOrEqual(400);
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1000 });
    expect(messages.map((m) => m.body)).toEqual(["a1", "a2"]);
  });

  it("holds acceptNextSession until a message arrives in a new session", async () => {
    opened.running = await startWith({
      queues: [queue("empty", { RequiresSession: true, LockDuration: "PT5S" })],
    });
    const r = opened.running;
    const next = r.client.acceptNextSession("empty");
    await sleep(300);
    await r.client.createSender("empty").sendMessages({ body: "late", sessionId: "s-late" });
    const receiver = await next;
    expect(receiver.sessionId).toBe("s-late");
  });

  it("stops holding a next-session attach whose connection closed", async () => {
    opened.running = await startWith({
      queues: [queue("empty", { RequiresSession: true, LockDuration: "PT5S" })],
    });
    const r = opened.running;
    const raw = await connectRaw(r.emulator.port);
    await raw.authorize("empty");
    // Never answered while no session is free; the connection then goes away without detaching.
    raw.connection.open_receiver({
      source: { address: "empty", filter: { "com.microsoft:session-filter": null } },
      credit_window: 0,
    });
    await sleep(100);
    await raw.close();
    await r.client.createSender("empty").sendMessages({ body: "for a live receiver", sessionId: "s-1" });
    const receiver = await r.client.acceptNextSession("empty");
    expect(receiver.sessionId).toBe("s-1");
  });

  it("refuses acceptNextSession once its timeout passes with every session held", async () => {
    const r = await startSessions();
    await r.client.acceptSession("by-trust", "trust-a");
    await r.client.acceptSession("by-trust", "trust-b");
    const impatient = new ServiceBusClient(r.emulator.connectionString, {
      retryOptions: { timeoutInMs: 1000, maxRetries: 0 },
    });
    try {
      const asked = Date.now();
      await expect(impatient.acceptNextSession("by-trust")).rejects.toMatchObject({ code: "ServiceTimeout" });
      expect(Date.now() - asked).toBeGreaterThanOrEqual(800);
    } finally {
      await impatient.close();
    }
  });

  it("gives SessionLockLost to a receiver whose session lock expired, and the session's messages to the next one", async () => {
    opened.running = await startWith({
      queues: [queue("short", { RequiresSession: true, LockDuration: "PT1S" })],
    });
    const r = opened.running;
    await r.client.createSender("short").sendMessages({ body: "held", messageId: "m-held", sessionId: "s" });
    // Not renewed, so the session lock lapses after its second.
    const receiver = await r.client.acceptSession("short", "s", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    if (!message) throw new Error("no message arrived");
    await sleep(1500);
    await expect(receiver.completeMessage(message)).rejects.toMatchObject({ code: "SessionLockLost" });
    await expect(receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).rejects.toMatchObject({
      code: "SessionLockLost",
    });
    // Nothing was completed: the next receiver of the session is given the message again.
    const next = await r.client.acceptSession("short", "s");
    const [again] = await next.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect([again?.messageId, again?.deliveryCount]).toEqual(["m-held", 1]);
    await next.completeMessage(again as NonNullable<typeof again>);
  });

  it("stores and returns session state", async () => {
    const r = await startSessions();
    const receiver = await r.client.acceptSession("by-trust", "trust-b");
    expect(await receiver.getSessionState()).toBeFalsy();
    await receiver.setSessionState({ step: 2 });
    expect(await receiver.getSessionState()).toEqual({ step: 2 });
  });

  it("renews the session lock", async () => {
    const r = await startSessions();
    const receiver = await r.client.acceptSession("by-trust", "trust-a", {
      maxAutoLockRenewalDurationInMs: 0,
    });
    const before = receiver.sessionLockedUntilUtc?.getTime() ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await receiver.renewSessionLock();
    expect(receiver.sessionLockedUntilUtc?.getTime()).toBeGreaterThan(before);
  });

  it("keeps a session's messages locked while the session is held, beyond the message lock duration", async () => {
    opened.running = await startWith({
      queues: [queue("short", { RequiresSession: true, LockDuration: "PT1S" })],
    });
    await opened.running.client.createSender("short").sendMessages({ body: "held", sessionId: "s" });
    const receiver = await opened.running.client.acceptSession("short", "s");
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    if (!message) throw new Error("no message arrived");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await receiver.completeMessage(message);
    expect(await receiver.peekMessages(5)).toEqual([]);
  });

  it("refuses a receiver without a session on an entity that requires sessions", async () => {
    const r = await startSessions();
    // amqp:not-allowed, which the SDK reports as a GeneralError carrying the description.
    await expect(
      r.client.createReceiver("by-trust").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    ).rejects.toMatchObject({ code: "GeneralError", message: expect.stringMatching(/requires sessions/) });
  });

  it("forgets a session once it is unlocked and has no state, and keeps one that has state", async () => {
    const r = await startSessions();
    for (const [id, count] of [
      ["trust-a", 2],
      ["trust-b", 1],
    ] as const) {
      const receiver = await r.client.acceptSession("by-trust", id);
      for (const message of await receiver.receiveMessages(count, { maxWaitTimeInMs: 1000 })) {
        await receiver.completeMessage(message);
      }
      await receiver.close();
    }
    expect(r.emulator.diagnostics().sessionEntries).toBe(0);
    const stateful = await r.client.acceptSession("by-trust", "trust-c");
    await stateful.setSessionState({ step: 1 });
    await stateful.close();
    expect(r.emulator.diagnostics().sessionEntries).toBe(1);
    const reopened = await r.client.acceptSession("by-trust", "trust-c");
    expect(await reopened.getSessionState()).toEqual({ step: 1 });
  });
});
