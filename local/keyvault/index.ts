// A local stand-in for Azure Key Vault's keys API, over HTTPS on a loopback port, so that the real
// @azure/keyvault-keys SDK runs end to end in tests and benchmarks: create, get, update and list versions of a key,
// and sign. Like Key Vault it answers a request without a bearer token with the challenge the SDK expects, never
// returns private key material, and refuses an exportable key without a release policy. Keys live in memory.

import { generateKeyPairSync, type JsonWebKey, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { p256 } from "@noble/curves/nist.js";

export type KeyVaultEmulator = {
  /** The vault URL, as KEY_VAULT_URL or `--vault` take it. */
  url: string;
  port: number;
  /** How many of an operation it has answered, so that a test can see what reached the vault. */
  calls(operation: Operation): number;
  close(): Promise<void>;
};

export type KeyVaultEmulatorOptions = {
  port?: number;
  host?: string;
  /** Sets each key's created and updated times; Key Vault keeps whole seconds. */
  clock?: () => Date;
  /**
   * Answers sign with a DER-encoded signature (as most crypto libraries make) instead of Key Vault's r||s, to show
   * that a client refuses a signature of the wrong shape rather than publishing it.
   */
  derSignatures?: boolean;
};

export type Operation = "create" | "get" | "list" | "update" | "sign";

type Attributes = {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  exportable: boolean;
};

type KeyVersion = {
  readonly version: string;
  readonly kty: string;
  readonly crv?: string;
  keyOps: string[];
  attributes: Attributes;
  tags?: Record<string, string>;
  readonly releasePolicy?: unknown;
  readonly publicJwk: JsonWebKey;
  readonly privateJwk: JsonWebKey;
};

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
const MAX_BODY_BYTES = 64 * 1024;
const CURVES: Record<string, string> = { "P-256": "P-256", "P-384": "P-384", "P-521": "P-521" };
const DEFAULT_OPS = ["sign", "verify"];
// The challenge Key Vault answers an unauthenticated request with; the tenant is a placeholder.
const CHALLENGE =
  'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

export async function startKeyVaultEmulator(
  options: KeyVaultEmulatorOptions = {},
): Promise<KeyVaultEmulator> {
  const host = options.host ?? "127.0.0.1";
  const clock = options.clock ?? (() => new Date());
  const keys = new Map<string, KeyVersion[]>();
  const counts = new Map<Operation, number>();
  const count = (operation: Operation) => counts.set(operation, (counts.get(operation) ?? 0) + 1);
  let url = "";

  const seconds = () => Math.floor(clock().getTime() / 1000);
  const kidOf = (name: string, version: string) => `${url}/keys/${name}/${version}`;
  const versionsOf = (name: string) => {
    const versions = keys.get(name);
    if (versions === undefined || versions.length === 0) {
      throw new VaultError(
        404,
        "KeyNotFound",
        `A key with (name/id) ${name} was not found in this key vault.`,
      );
    }
    return versions;
  };
  const find = (name: string, version: string) => {
    const versions = versionsOf(name);
    // No version: the newest, as Key Vault answers.
    const found = version === "" ? versions.at(-1) : versions.find((v) => v.version === version);
    if (found === undefined) {
      throw new VaultError(
        404,
        "KeyNotFound",
        `A key with (name/id) ${name}/${version} was not found in this key vault.`,
      );
    }
    return found;
  };
  const bundle = (name: string, key: KeyVersion) => ({
    key: { ...key.publicJwk, kid: kidOf(name, key.version), kty: key.kty, key_ops: key.keyOps },
    attributes: { ...key.attributes, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 },
    ...(key.tags === undefined ? {} : { tags: key.tags }),
    ...(key.releasePolicy === undefined ? {} : { release_policy: key.releasePolicy }),
  });

  const create = (name: string, body: Record<string, unknown>) => {
    if (!KEY_NAME.test(name)) throw new VaultError(400, "BadParameter", "The key name is not valid.");
    const kty = typeof body.kty === "string" ? body.kty : "";
    const attributes = (isObject(body.attributes) ? body.attributes : {}) as Record<string, unknown>;
    const exportable = attributes.exportable === true;
    if (exportable && body.release_policy === undefined) {
      throw new VaultError(400, "BadParameter", "An exportable key must have a release policy.");
    }
    let pair: {
      publicKey: { export(o: { format: "jwk" }): JsonWebKey };
      privateKey: { export(o: { format: "jwk" }): JsonWebKey };
    };
    let crv: string | undefined;
    if (kty === "EC" || kty === "EC-HSM") {
      crv = CURVES[typeof body.crv === "string" ? body.crv : "P-256"];
      if (crv === undefined) throw new VaultError(400, "BadParameter", "The curve is not supported.");
      pair = generateKeyPairSync("ec", { namedCurve: crv });
    } else if (kty === "RSA" || kty === "RSA-HSM") {
      pair = generateKeyPairSync("rsa", {
        modulusLength: typeof body.key_size === "number" ? body.key_size : 2048,
      });
    } else {
      throw new VaultError(400, "BadParameter", "The key type is not supported.");
    }
    const now = seconds();
    const key: KeyVersion = {
      version: randomBytes(16).toString("hex"),
      kty,
      ...(crv === undefined ? {} : { crv }),
      keyOps: Array.isArray(body.key_ops) ? body.key_ops.map(String) : [...DEFAULT_OPS],
      attributes: {
        enabled: attributes.enabled !== false,
        ...(typeof attributes.nbf === "number" ? { nbf: attributes.nbf } : {}),
        ...(typeof attributes.exp === "number" ? { exp: attributes.exp } : {}),
        created: now,
        updated: now,
        exportable,
      },
      ...(isObject(body.tags) ? { tags: body.tags as Record<string, string> } : {}),
      ...(body.release_policy === undefined ? {} : { releasePolicy: body.release_policy }),
      publicJwk: pair.publicKey.export({ format: "jwk" }),
      privateJwk: pair.privateKey.export({ format: "jwk" }),
    };
    keys.set(name, [...(keys.get(name) ?? []), key]);
    return bundle(name, key);
  };

  const update = (name: string, version: string, body: Record<string, unknown>) => {
    const key = find(name, version);
    const attributes = (isObject(body.attributes) ? body.attributes : {}) as Record<string, unknown>;
    if (typeof attributes.enabled === "boolean") key.attributes.enabled = attributes.enabled;
    if (typeof attributes.nbf === "number") key.attributes.nbf = attributes.nbf;
    if (typeof attributes.exp === "number") key.attributes.exp = attributes.exp;
    if (Array.isArray(body.key_ops)) key.keyOps = body.key_ops.map(String);
    if (isObject(body.tags)) key.tags = body.tags as Record<string, string>;
    key.attributes.updated = seconds();
    return bundle(name, key);
  };

  const sign = (name: string, version: string, body: Record<string, unknown>) => {
    const key = find(name, version);
    const now = seconds();
    const { enabled, nbf, exp } = key.attributes;
    if (!enabled) throw new VaultError(403, "Forbidden", "Operation sign is not allowed on a disabled key.");
    if ((nbf !== undefined && now < nbf) || (exp !== undefined && now >= exp)) {
      throw new VaultError(
        403,
        "Forbidden",
        "Operation sign is not allowed outside the key's validity period.",
      );
    }
    if (!key.keyOps.includes("sign")) {
      throw new VaultError(403, "Forbidden", "Operation sign is not permitted on this key.");
    }
    if (body.alg !== "ES256" || key.crv !== "P-256") {
      throw new VaultError(400, "BadParameter", "This emulator signs with ES256 on P-256 keys only.");
    }
    const digest = Buffer.from(typeof body.value === "string" ? body.value : "", "base64url");
    if (digest.length !== 32) throw new VaultError(400, "BadParameter", "The digest is not 32 bytes.");
    // Key Vault signs a digest the caller made; Node's crypto always hashes what it signs, so @noble/curves signs
    // it as given (prehash off), answering the 64-byte r||s that Key Vault answers.
    const signature = p256.sign(digest, Buffer.from(key.privateJwk.d ?? "", "base64url"), {
      prehash: false,
      format: options.derSignatures ? "der" : "compact",
    });
    return {
      kid: kidOf(name, key.version),
      value: Buffer.from(signature).toString("base64url"),
    };
  };

  const route = (method: string, path: string[], body: Record<string, unknown>): unknown => {
    const [root, name = "", second, third] = path;
    if (root !== "keys" || name === "") throw new VaultError(404, "NotFound", "No such operation.");
    if (method === "POST" && second === "create" && third === undefined) {
      count("create");
      return create(name, body);
    }
    if (method === "GET" && second === "versions" && third === undefined) {
      count("list");
      // One page: a vault holds few versions of one key.
      const value = versionsOf(name).map((key) => {
        const { key: _key, release_policy: _policy, ...item } = bundle(name, key);
        return { kid: kidOf(name, key.version), ...item };
      });
      return { value, nextLink: null };
    }
    if (method === "GET" && third === undefined) {
      count("get");
      return bundle(name, find(name, second ?? ""));
    }
    if (method === "PATCH" && second !== undefined && third === undefined) {
      count("update");
      return update(name, second, body);
    }
    if (method === "POST" && second !== undefined && third === "sign") {
      count("sign");
      return sign(name, second, body);
    }
    throw new VaultError(
      405,
      "NotSupported",
      `${method} ${path.join("/")} is not an operation this emulator serves.`,
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      response.end(JSON.stringify(value));
    };
    try {
      // The SDK's first request carries no token and no body; the challenge tells it which audience to ask for.
      if (!/^Bearer \S+/.test(request.headers.authorization ?? "")) {
        request.resume();
        reply(
          401,
          { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer token." } },
          {
            "www-authenticate": CHALLENGE,
          },
        );
        return;
      }
      const body = await readBody(request);
      const path = new URL(request.url ?? "/", url).pathname.split("/").filter((part) => part !== "");
      reply(200, route(request.method ?? "GET", path.map(decodeURIComponent), body));
    } catch (error) {
      if (error instanceof VaultError)
        reply(error.status, { error: { code: error.code, message: error.message } });
      else reply(500, { error: { code: "InternalError", message: String(error) } });
    }
  };

  // The Cosmos DB emulator package's self-signed certificate for 127.0.0.1 and localhost; clients trust it only
  // for loopback URLs.
  const certificates = dirname(
    createRequire(import.meta.url).resolve("@vercel/cosmosdb-server/package.json"),
  );
  const server: Server = createServer(
    { cert: readFileSync(join(certificates, "cert.pem")), key: readFileSync(join(certificates, "key.pem")) },
    (request, response) => void handle(request, response),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `https://${host}:${port}`;
  return {
    url,
    port,
    calls: (operation) => counts.get(operation) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new VaultError(413, "RequestTooLarge", "The request body is too large.");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new VaultError(400, "BadParameter", "The request body is not JSON.");
  }
  if (!isObject(value)) throw new VaultError(400, "BadParameter", "The request body is not a JSON object.");
  return value as Record<string, unknown>;
}
