// `npm run deadletters -- list|replay --entity <path> [--id <messageId>]`: lists a dead-letter queue with the
// reasons, or sends its messages back to where they came from. Connects with ServiceBusConnection (a connection
// string: the emulator) or ServiceBusConnection__fullyQualifiedNamespace (Azure, with DefaultAzureCredential:
// the operator's own sign-in or a managed identity).
import { parseArgs } from "node:util";
import { DefaultAzureCredential } from "@azure/identity";
import { ServiceBusClient } from "@azure/service-bus";
import { listDeadLetters, replayDeadLetters } from "../src/adapters/servicebus/deadLetterQueue.js";

const USAGE =
  "usage: npm run deadletters -- list|replay --entity <queue | topic/subscriptions/name> [--id <messageId>]\n" +
  "  with ServiceBusConnection (connection string) or ServiceBusConnection__fullyQualifiedNamespace set";

function clientFromEnv(env: NodeJS.ProcessEnv): ServiceBusClient {
  if (env.ServiceBusConnection) return new ServiceBusClient(env.ServiceBusConnection);
  const namespace = env.ServiceBusConnection__fullyQualifiedNamespace;
  if (namespace) return new ServiceBusClient(namespace, new DefaultAzureCredential());
  throw new Error("Set ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace.");
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { entity: { type: "string" }, id: { type: "string" } },
  });
  const [command] = positionals;
  if ((command !== "list" && command !== "replay") || !values.entity || positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const client = clientFromEnv(process.env);
  try {
    if (command === "list") {
      const entries = await listDeadLetters(client, values.entity);
      const shown = values.id === undefined ? entries : entries.filter((e) => e.messageId === values.id);
      for (const entry of shown) console.log(JSON.stringify(entry));
      console.error(`${shown.length} dead-lettered message(s) in ${values.entity}`);
    } else {
      const replayed = await replayDeadLetters(client, values.entity, values.id);
      for (const entry of replayed) console.log(JSON.stringify({ replayed: true, ...entry }));
      console.error(`${replayed.length} message(s) replayed from ${values.entity}`);
      if (values.id !== undefined && replayed.length === 0) return 1;
    }
    return 0;
  } finally {
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
