// Turns Cosmos DB failures into what the service means by them: a missing item, a lost race, or an unavailable
// dependency (which the HTTP layer answers with 503 so that the caller retries).
import { ServiceError } from "../../errors.js";

export class DependencyUnavailable extends ServiceError {
  constructor(dependency: string, options?: { cause?: unknown }) {
    super("dependency_unavailable", `${dependency} is unavailable; try again.`, options);
  }
}

function cosmosStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Runs a Cosmos DB call; any failure other than the statuses the caller handles becomes DependencyUnavailable. */
export async function cosmosCall<T>(call: () => Promise<T>, handled: readonly number[] = []): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = cosmosStatus(error);
    if (status !== undefined && handled.includes(status)) throw error;
    throw new DependencyUnavailable("Cosmos DB", { cause: error });
  }
}
