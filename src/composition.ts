// The composition root: builds every adapter once, from the validated configuration, on first use. Function
// handlers call services(); nothing here runs at import time.
import type { CosmosClient, Database } from "@azure/cosmos";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createCosmosClient } from "./adapters/cosmos/client.js";
import type { HealthCheck } from "./app/checkHealth.js";
import { type Config, loadConfig } from "./config.js";

export type Services = {
  config: Config;
  cosmos: CosmosClient;
  database: Database;
  healthChecks: Record<string, HealthCheck>;
};

function azureCredential(config: Config): TokenCredential {
  return config.AZURE_CLIENT_ID
    ? new DefaultAzureCredential({ managedIdentityClientId: config.AZURE_CLIENT_ID })
    : new DefaultAzureCredential();
}

function buildServices(config: Config): Services {
  let credential: TokenCredential | undefined;
  const lazyCredential = () => {
    credential ??= azureCredential(config);
    return credential;
  };
  const cosmos = createCosmosClient(config.COSMOS_ENDPOINT, lazyCredential);
  const database = cosmos.database(config.COSMOS_DATABASE);
  return {
    config,
    cosmos,
    database,
    healthChecks: {
      cosmos: async () => {
        await database.read();
      },
    },
  };
}

let current: Services | undefined;

export function services(): Services {
  current ??= buildServices(loadConfig(process.env));
  return current;
}

/** Drops the built services so that the next call rebuilds them from the environment (tests, local restarts). */
export function resetServices(): void {
  current?.cosmos.dispose();
  current = undefined;
}
