// Access keys in the `accessKeys` container, partitioned by the trust's id: a trust's reads are point reads or one
// query inside its own partition, and every change of status is one conditional write, so repeats change nothing.
import type { AccessKeyStore } from "../../app/ports.js";
import type { AccessKey } from "../../domain/accessKey.js";
import type { ContainerRef } from "./client.js";
import { cosmosCall, patchIf, stripSystemFields } from "./errors.js";
import { newestForStaff } from "./staffQuery.js";

export function accessKeyStore(containerRef: ContainerRef): AccessKeyStore {
  return {
    async create(key) {
      const container = await containerRef();
      await cosmosCall(() => container.items.create(key));
    },
    async get(trustId, id) {
      const container = await containerRef();
      const { resource } = await cosmosCall(() =>
        container.item(id, trustId).read<Record<string, unknown>>(),
      );
      return resource === undefined ? undefined : stripSystemFields<AccessKey>(resource);
    },
    async listFor(trustId, staffId, limit) {
      return newestForStaff<AccessKey>(await containerRef(), trustId, staffId, limit);
    },
    async change(trustId, id, change) {
      const container = await containerRef();
      const condition =
        `FROM c WHERE c.status = "${change.from}"` +
        (change.unlessRetrieved ? " AND NOT IS_DEFINED(c.retrieved)" : "");
      const operations = Object.entries(change.set).map(([field, value]) => ({
        op: "set" as const,
        path: `/${field}`,
        value,
      }));
      return (await patchIf(container.item(id, trustId), condition, operations)) !== undefined;
    },
  };
}
