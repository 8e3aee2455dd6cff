// Every setting the service reads, validated once at start-up. A missing or malformed setting stops start-up
// with a message that names it; nothing else in the code reads process.env.
import * as z from "zod";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** True for URLs that point at this machine, the only place where emulator keys and self-signed TLS are allowed. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

const url = z.url({ protocol: /^https?$/ });
const optionalText = z.string().trim().min(1).optional();

const settingsShape = z.object({
  COSMOS_ENDPOINT: url,
  COSMOS_DATABASE: z.string().trim().min(1).default("staff-passport"),
  ServiceBusConnection: optionalText,
  ServiceBusConnection__fullyQualifiedNamespace: optionalText,
  // Share event payloads (the claim check): the storage account's blob endpoint in Azure (managed identity), or a
  // connection string locally (Azurite); the container is always `share-payloads`.
  PAYLOAD_STORAGE_URL: url.optional(),
  PAYLOAD_STORAGE_CONNECTION_STRING: optionalText,
  VERIFIEDID_BASE_URL: url.default("https://verifiedid.did.msidentity.com"),
  VERIFIEDID_AUTHORITY: z.string().startsWith("did:", "must be a DID"),
  VERIFIEDID_CALLBACK_URL: url,
  VERIFIEDID_CREDENTIAL: z.enum(["managed-identity", "client-secret", "local"]).default("managed-identity"),
  VERIFIEDID_TENANT_ID: optionalText,
  VERIFIEDID_CLIENT_ID: optionalText,
  VERIFIEDID_CLIENT_SECRET: optionalText,
  SESSION_ISSUER: url,
  // The SSF issuer (API.md section 8): one string for the transmitter metadata's `issuer`, each stream's `iss` and
  // every SET's `iss` (SSF 1.0 sections 4.1.6 and 7.2.4). SSF 1.0 section 7.2 puts the metadata at the issuer's host
  // + /.well-known/ssf-configuration + the issuer's path, so it is an origin without a path, and the metadata is
  // served at /.well-known/ssf-configuration. Defaults to the origin of SESSION_ISSUER (see eventIssuerOf).
  EVENT_ISSUER: url
    .refine((value) => new URL(value).origin === value.replace(/\/$/, ""), "must be an origin without a path")
    .optional(),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(900).default(900),
  SIGNING_KEYS: z.enum(["key-vault", "local"]).default("key-vault"),
  KEY_VAULT_URL: url.optional(),
  // The Key Vault key (EC P-256, not exportable) that signs session tokens and share events.
  SIGNING_KEY_NAME: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z-]{1,127}$/, "must be a Key Vault key name (1 to 127 letters, digits and -)")
    .default("share-signing-key"),
  LOCAL_KEYS_DIR: z.string().trim().min(1).default(".local/keys"),
  // OpenID4VP for standard wallets (API.md section 9). The verifier's certificate chain (PEM, leaf first, without the
  // root): its leaf's hash is the client id, and its key signs request objects. Unset: only Verified ID works.
  OPENID4VP_CERTIFICATE_CHAIN: optionalText,
  // The root of that chain (PEM), served at /api/openid4vp/root.pem for wallets that trust it (a local CA's).
  OPENID4VP_ROOT_CERTIFICATE: optionalText,
  // The trust anchors of SD-JWT VC issuers and their status lists (PEM, one or more certificates).
  OPENID4VP_ISSUER_ROOTS: optionalText,
  // The Key Vault key (EC P-256, not exportable) whose public key is the verifier certificate's.
  OPENID4VP_KEY_NAME: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z-]{1,127}$/, "must be a Key Vault key name (1 to 127 letters, digits and -)")
    .default("openid4vp-request-key"),
  // Locally (SIGNING_KEYS=local) that key as PKCS8 PEM instead.
  OPENID4VP_LOCAL_KEY: optionalText,
  AZURE_CLIENT_ID: optionalText,
  // Application Insights, where spans and metrics go in Azure (with Entra ID authentication); unset locally.
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Share event delivery (API.md section 3). The defaults retry for about 26 hours over 12 attempts.
  SHARE_DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  SHARE_DELIVERY_FIRST_RETRY_SECONDS: z.coerce.number().positive().default(30),
  SHARE_DELIVERY_BACKOFF_MULTIPLIER: z.coerce.number().min(1).max(10).default(2.5),
  SHARE_DELIVERY_MAX_RETRY_SECONDS: z.coerce
    .number()
    .positive()
    .default(6 * 60 * 60),
  SHARE_DELIVERY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  SHARE_DELIVERY_TIMEOUT_SECONDS: z.coerce.number().positive().max(60).default(10),
  SHARE_EVENT_RETENTION_DAYS: z.coerce.number().positive().default(30),
  // How long audit entries are kept (API.md section 11): six years by default, as NHS records guidance keeps audit
  // data. Each entry carries it as its `ttl`, so a change applies to entries written from then on.
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(2190),
  JWKS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  // Per-caller limits, per instance (src/http/rateLimit.ts). Anonymous endpoints count by client address, which NHS
  // sites share behind one egress address: sized for a site, not a person.
  RATE_LIMIT_LOGINS_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  // POST /api/shares (each spends Verified ID quota) and declines, per session subject: one person's own pace.
  RATE_LIMIT_SHARES_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_DECLINES_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  // Every trust API call, per trust: one trust's systems together, long polls and batches of requests included.
  RATE_LIMIT_TRUST_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  // Callbacks refused as unauthenticated, per source address. Verified ID calls from Microsoft's shared addresses,
  // and its authenticated callbacks never count; late callbacks for requests already gone do, hence the headroom.
  RATE_LIMIT_FAILED_CALLBACKS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  // The Front Door profile's id (its X-Azure-FDID) when Front Door is on: the client's address is then Front
  // Door's X-Azure-SocketIP, on requests that carry this id (src/http/rateLimit.ts clientAddress).
  FRONT_DOOR_ID: optionalText,
  // How long each instance keeps a trust document it read (src/adapters/cosmos/cachedTrusts.ts); 0 reads every time.
  TRUST_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
});

/** URL settings that must be https unless they point at this machine. */
const HTTPS_SETTINGS = [
  "COSMOS_ENDPOINT",
  "VERIFIEDID_BASE_URL",
  "VERIFIEDID_CALLBACK_URL",
  "SESSION_ISSUER",
  "EVENT_ISSUER",
  "KEY_VAULT_URL",
  "PAYLOAD_STORAGE_URL",
] as const;

/** Where the service itself and its data live: any of them off this machine makes it a deployment. */
const REMOTE_IF_NOT_LOOPBACK = ["COSMOS_ENDPOINT", "VERIFIEDID_CALLBACK_URL", "SESSION_ISSUER"] as const;

const settingsSchema = settingsShape.superRefine((s, ctx) => {
  const need = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (!s.ServiceBusConnection && !s.ServiceBusConnection__fullyQualifiedNamespace) {
    need("ServiceBusConnection", "set it, or ServiceBusConnection__fullyQualifiedNamespace in Azure");
  }
  if (!s.PAYLOAD_STORAGE_URL && !s.PAYLOAD_STORAGE_CONNECTION_STRING) {
    need("PAYLOAD_STORAGE_URL", "set it, or PAYLOAD_STORAGE_CONNECTION_STRING for a local emulator");
  }
  if (s.VERIFIEDID_CREDENTIAL === "client-secret") {
    for (const name of [
      "VERIFIEDID_TENANT_ID",
      "VERIFIEDID_CLIENT_ID",
      "VERIFIEDID_CLIENT_SECRET",
    ] as const) {
      if (!s[name]) need(name, "required when VERIFIEDID_CREDENTIAL is client-secret");
    }
  }
  if (s.VERIFIEDID_CREDENTIAL === "local" && !isLoopbackUrl(s.VERIFIEDID_BASE_URL)) {
    need(
      "VERIFIEDID_CREDENTIAL",
      "local is only allowed with a loopback VERIFIEDID_BASE_URL (the simulator)",
    );
  }
  if (s.OPENID4VP_LOCAL_KEY !== undefined && s.SIGNING_KEYS !== "local") {
    need(
      "OPENID4VP_LOCAL_KEY",
      "only with SIGNING_KEYS=local; in Azure the key is OPENID4VP_KEY_NAME in Key Vault",
    );
  }
  if (s.OPENID4VP_CERTIFICATE_CHAIN !== undefined && s.OPENID4VP_ISSUER_ROOTS === undefined) {
    need(
      "OPENID4VP_ISSUER_ROOTS",
      "required with OPENID4VP_CERTIFICATE_CHAIN: no credential verifies without it",
    );
  }
  if (s.SIGNING_KEYS === "key-vault" && !s.KEY_VAULT_URL) {
    need("KEY_VAULT_URL", "required when SIGNING_KEYS is key-vault");
  }
  // A bearer token (Entra ID, the session's audience) must never travel in clear beyond this machine.
  for (const name of HTTPS_SETTINGS) {
    const value = s[name];
    if (value !== undefined && URL.parse(value)?.protocol === "http:" && !isLoopbackUrl(value)) {
      need(name, "must be https outside a loopback address");
    }
  }
  // Keys on local disk are for a machine that runs everything itself; a deployment keeps them in Key Vault.
  const remote =
    s.ServiceBusConnection__fullyQualifiedNamespace !== undefined ||
    REMOTE_IF_NOT_LOOPBACK.some((name) => URL.parse(s[name]) !== null && !isLoopbackUrl(s[name]));
  if (s.SIGNING_KEYS === "local" && remote) {
    need(
      "SIGNING_KEYS",
      "local is only allowed when Cosmos DB, Service Bus and this service are on loopback",
    );
  }
});

export type Config = z.infer<typeof settingsSchema>;

/**
 * The SSF issuer: EVENT_ISSUER, or the origin of SESSION_ISSUER. Session tokens and the trust API's audience keep
 * SESSION_ISSUER; only SETs, streams and the SSF metadata use this one.
 */
export function eventIssuerOf(config: Pick<Config, "EVENT_ISSUER" | "SESSION_ISSUER">): string {
  return new URL(config.EVENT_ISSUER ?? config.SESSION_ISSUER).origin;
}

export class ConfigError extends Error {
  readonly settings: readonly string[];

  constructor(problems: readonly { setting: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.setting}: ${p.message}`).join("; ")}`);
    this.name = "ConfigError";
    this.settings = problems.map((p) => p.setting);
  }
}

/** Reads and validates every setting from an environment (process.env in production). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as they do in App Service settings left blank.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = settingsSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      setting: String(issue.path[0] ?? "configuration"),
      message: issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message,
    })),
  );
}

/** Every setting's name, so that tests can hold the settings table (docs/operators.md) and the sample settings file to the schema. */
export const SETTING_NAMES = Object.keys(settingsShape.shape);
