// The lifetime of links and grants: a receiver whose AMQP session ends, or whose connection closes, without a detach
// (raw AMQP; the SDK always detaches first) stops receiving and its locks are released at once; closed receivers
// and expired CBS grants are forgotten.
import { describe, expect, it } from "vitest";
import { closedAfterEach, queue, type Running, sleep, startWith } from "./fixtures.js";
import { connectRaw, openReceiver } from "./rawAmqp.js";

const opened = closedAfterEach();

async function rawReceiverThenEndSession(mode: "receiveAndDelete" | "peekLock"): Promise<Running> {
  const r = await startWith({ queues: [queue("q", { LockDuration: "PT1M" })] });
  opened.running = r;
  opened.raw = await connectRaw(r.emulator.port);
  await opened.raw.authorize("q");
  const session = opened.raw.session();
  const settled = mode === "receiveAndDelete";
  const receiver = await openReceiver(session, {
    source: { address: "q" },
    snd_settle_mode: settled ? 1 : 0,
    rcv_settle_mode: settled ? 0 : 1,
    credit_window: 0,
    autoaccept: false,
  });
  receiver.add_credit(10);
  await sleep(50);
  // Ending the AMQP session without detaching its links is allowed: the links end with it.
  session.close();
  await sleep(200);
  return r;
}

describe("Service Bus emulator: link and grant lifetimes", () => {
  it("keeps messages for a receive-and-delete receiver whose session ended", async () => {
    const r = await rawReceiverThenEndSession("receiveAndDelete");
    await r.client.createSender("q").sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const peeked = await r.client.createReceiver("q").peekMessages(10);
    expect(peeked.map((m) => m.body)).toEqual([1, 2, 3]);
  });

  it("does not lock messages to a peek-lock receiver whose session ended", async () => {
    const r = await rawReceiverThenEndSession("peekLock");
    await r.client.createSender("q").sendMessages({ body: "free" });
    const [message] = await r.client.createReceiver("q").receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(message?.body).toBe("free");
    expect(message?.deliveryCount).toBe(0);
  });

  it("releases the locks of a receiver whose connection closed without detaching", async () => {
    const r = await startWith({ queues: [queue("q", { LockDuration: "PT1M" })] });
    opened.running = r;
    await r.client.createSender("q").sendMessages({ body: "held" });
    const client = await connectRaw(r.emulator.port);
    await client.authorize("q");
    const receiver = await openReceiver(client.connection, {
      source: { address: "q" },
      credit_window: 0,
      autoaccept: false,
    });
    const arrived = new Promise((resolve) => receiver.once("message", resolve));
    receiver.add_credit(1);
    await arrived;
    await client.close();
    const [message] = await r.client.createReceiver("q").receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(message?.body).toBe("held");
    expect(message?.deliveryCount).toBe(1);
  });

  it("forgets receivers once they close, and keeps one CBS grant per audience", async () => {
    const r = await startWith({ queues: [queue("q")] });
    opened.running = r;
    await r.client.createSender("q").sendMessages([1, 2, 3].map((n) => ({ body: n })));
    for (let i = 0; i < 3; i++) {
      const receiver = r.client.createReceiver("q");
      await receiver.peekMessages(1);
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
      if (message) await receiver.completeMessage(message);
      await receiver.close();
    }
    const held = r.emulator.diagnostics();
    expect(held.receivingLinks).toBe(0);
    // One audience for the entity's links and one for its $management node, however many links were opened.
    expect(held.cbsGrants).toBe(2);
  });

  it("prunes CBS grants whose token has expired", async () => {
    const r = await startWith({ queues: [queue("q"), queue("q2")] });
    opened.running = r;
    opened.raw = await connectRaw(r.emulator.port);
    await opened.raw.authorize("q", Math.floor(Date.now() / 1000) + 1);
    expect(r.emulator.diagnostics().cbsGrants).toBe(1);
    await sleep(1100);
    await opened.raw.authorize("q2");
    expect(r.emulator.diagnostics().cbsGrants).toBe(1);
  });
});
