// The ids of trust tokens already used to change something, in the `tokenIds` container: one create per call, so
// that of two calls with the same token, on any instance, exactly one gets in. Cosmos DB's TTL drops each id once
// its token has expired.
import type { UsedTokenIds } from "../keys/trustTokens.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, cosmosStatus } from "./errors.js";

export function usedTokenIdStore(containerRef: ContainerRef): UsedTokenIds {
  return {
    async use(id, ttlSeconds) {
      const container = await containerRef();
      try {
        await cosmosCall(() => container.items.create({ id, ttl: ttlSeconds }), [409]);
        return true;
      } catch (error) {
        // The id is there already: this token has been used before.
        if (cosmosStatus(error) === 409) return false;
        throw error;
      }
    },
  };
}
