// The deployable bundle: built with esbuild, loaded by a fresh node process as the Functions host would load it.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { CompactEncrypt, importJWK, importX509, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../../functions/index.js";
import { certificatesOfPem } from "../../src/adapters/openid4vp/certificateChains.js";
import { localRequestKey } from "../../src/adapters/openid4vp/index.js";
import { ACCESS_KEY_TYPE } from "../../src/domain/catalogue.js";
import { shareQueries } from "../../src/domain/walletQuery.js";
import { freshAuthority, holderKey, localIssuer, present, removeFolders } from "../unit/openid4vp/support.js";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);

beforeAll(async () => {
  await run(process.execPath, ["scripts/build.mjs"], { cwd: root });
}, 120_000);
afterAll(removeFolders);

/** The packages a bundle holds, read from the sources its source map lists. */
async function packagesIn(file: string): Promise<string[]> {
  const map = JSON.parse(await readFile(new URL(`${file}.map`, root), "utf8")) as { sources: string[] };
  const names = map.sources.map((source) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1]);
  return [...new Set(names.filter((name) => name !== undefined))].sort();
}

/** What only the standard wallets' verifier uses, and so only dist/lazy/openid4vp.cjs may hold. */
const VERIFIER_LIBRARIES = /^(@openid4vc\/|dcql$|@sd-jwt\/|@owf\/)/;

describe("the deployable bundle", () => {
  it("is the file package.json main names, loads without the Functions host, and declares every function", async () => {
    const { main } = (await import("../../package.json", { with: { type: "json" } })).default;
    // Outside the host the library runs in test mode and says, for each registration, which function it skipped.
    const { stderr, stdout } = await run(
      process.execPath,
      ["-e", `require(${JSON.stringify(`./${main}`)})`],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    const output = stdout + stderr;
    expect(output).toContain("test mode");
    for (const fn of functions) {
      expect(output).toContain(`register function "${fn.name}"`);
    }
  });

  it("performs no I/O at import: loading it with no settings at all does not fail", async () => {
    const { stderr } = await run(process.execPath, ["-e", "require('./dist/main.cjs')"], {
      cwd: root,
      env: {},
    });
    expect(stderr).not.toMatch(/Invalid configuration|Error:/);
  });

  it("loads each Azure SDK from its own bundle only when asked, and each exports what the service uses", async () => {
    const expected: Record<string, string> = {
      "cosmos.cjs": "CosmosClient",
      "service-bus.cjs": "ServiceBusClient",
      "identity.cjs": "DefaultAzureCredential",
      "keyvault-keys.cjs": "CryptographyClient",
      "storage-blob.cjs": "BlobServiceClient",
    };
    const script = `
      require("./dist/main.cjs");
      const loaded = Object.keys(require.cache).filter((file) => file.includes("sdk"));
      const sdks = ${JSON.stringify(expected)};
      const exported = Object.entries(sdks).map(([file, name]) => typeof require("./dist/sdk/" + file)[name]);
      console.log(JSON.stringify({ loaded, exported }));`;
    const { stdout } = await run(process.execPath, ["-e", script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "" },
    });
    const { loaded, exported } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      loaded: string[];
      exported: string[];
    };
    expect(loaded).toEqual([]);
    expect(exported).toEqual(Object.values(expected).map(() => "function"));
    const code = await readFile(new URL("dist/functions.cjs", root), "utf8");
    for (const file of Object.keys(expected)) expect(code).toContain(`./sdk/${file}`);
  });

  it("declares the functions without their code: main.cjs requires functions.cjs only when first invoked", async () => {
    const script = `
      require("./dist/main.cjs");
      console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes("dist/functions"))));
      const { functions, loadConfig } = require("./dist/functions.cjs");
      console.log(JSON.stringify([functions.map((fn) => fn.name), typeof loadConfig]));`;
    const { stdout } = await run(process.execPath, ["-e", script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "" },
    });
    const [loaded, [names, loadConfig]] = stdout
      .trim()
      .split("\n")
      .slice(-2)
      .map((line) => JSON.parse(line)) as [string[], [string[], string]];
    expect(loaded).toEqual([]);
    expect(names).toEqual(functions.map((fn) => fn.name));
    expect(loadConfig).toBe("function");
    const main = await readFile(new URL("dist/main.cjs", root), "utf8");
    expect(main).toContain("./functions.cjs");
    expect(main).not.toContain("./sdk/");
  });

  it("keeps the OpenID4VP, SD-JWT and status list libraries out of functions.cjs, in a bundle that loading the functions' code does not load", async () => {
    expect((await packagesIn("dist/functions.cjs")).filter((name) => VERIFIER_LIBRARIES.test(name))).toEqual(
      [],
    );
    expect(await packagesIn("dist/lazy/openid4vp.cjs")).toEqual(
      expect.arrayContaining([
        "@openid4vc/openid4vp",
        "@owf/token-status-list",
        "@sd-jwt/core",
        "@sd-jwt/crypto-nodejs",
      ]),
    );
    const code = await readFile(new URL("dist/functions.cjs", root), "utf8");
    // functions.cjs requires the lazy bundle by a path relative to itself: the file the next test runs.
    const required = [...code.matchAll(/require\("(\.{1,2}\/lazy\/[^"]+)"\)/g)].map(
      ([, path]) => new URL(path ?? "", new URL("dist/", root)).pathname,
    );
    expect(required).toEqual([new URL("dist/lazy/openid4vp.cjs", root).pathname]);
    const script = `
      require("./dist/main.cjs");
      require("./dist/functions.cjs");
      // After the microtasks, when a dynamic import made while loading would have required its file.
      setImmediate(() =>
        console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes("dist/lazy")))),
      );`;
    const { stdout } = await run(process.execPath, ["-e", script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(JSON.parse(stdout.trim().split("\n").at(-1) ?? "null")).toEqual([]);
  });

  it("runs the standard wallets' verifier from its bundle: a signed request object, and a wallet's answer checked to the end", async () => {
    const lazy = createRequire(import.meta.url)(
      "../../dist/lazy/openid4vp.cjs",
    ) as typeof import("../../src/adapters/openid4vp/lazy.js");
    const now = () => new Date();
    const certificates = await freshAuthority(now);
    const { issuer, fetch, fetched } = localIssuer(certificates, now);
    const issuerRoots = certificatesOfPem(certificates.issuers.rootPem, "issuer roots");
    const chain = certificatesOfPem(certificates.verifier.chainPem, "verifier chain");
    const verifier = lazy.openid4vpVerifier({
      chain,
      key: await localRequestKey(certificates.verifier.keyPkcs8Pem),
      issuerRoots,
      origin: "https://service.test",
      status: lazy.statusListReader({ fetch, issuerRoots, clock: now }),
    });

    const id = "bundle-request";
    const started = await verifier.start(id);
    expect(started.qrCode).toMatch(/^data:image\/png;base64,/);
    const queries = shareQueries("RJ1", ["StaffPassportIdentity"]);
    const request = { id, record: started.record, queries, expiresAt: new Date(now().getTime() + 300_000) };
    const [leaf] = chain;
    const { payload } = await jwtVerify(
      await verifier.requestObject(request, now()),
      await importX509(leaf?.toString() ?? "", "ES256"),
      { typ: "oauth-authz-req+jwt" },
    );
    expect(payload).toMatchObject({ client_id: verifier.clientId, nonce: started.record.nonce, state: id });

    const holder = await holderKey();
    const claims: Record<string, Record<string, unknown>> = {
      [ACCESS_KEY_TYPE]: { trustId: "RJ1", staffId: "RJ1-1", givenName: "Ada", familyName: "Lovelace" },
      StaffPassportIdentity: {
        givenName: "Ada",
        familyName: "Lovelace",
        dateOfBirth: "1980-12-09",
        verificationMethod: "in person",
      },
    };
    const vpToken: Record<string, string[]> = {};
    for (const query of queries) {
      const held = await issuer.issue({
        type: query.type,
        claims: claims[query.type] ?? {},
        holderJwk: holder.publicJwk,
      });
      const kb = {
        aud: verifier.clientId,
        nonce: started.record.nonce,
        iat: Math.floor(now().getTime() / 1000),
      };
      vpToken[query.id] = [
        await present(
          held,
          query.claims.map((claim) => claim.name),
          holder,
          kb,
        ),
      ];
    }
    const { d: _private, ...responseKey } = started.record.responseKey;
    const jwe = await new CompactEncrypt(
      new TextEncoder().encode(JSON.stringify({ vp_token: vpToken, state: id })),
    )
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A128GCM", kid: responseKey.kid ?? "" })
      .encrypt(await importJWK(responseKey, "ECDH-ES"));

    const answer = await verifier.verifyResponse(request, { response: jwe }, now());
    expect(answer.kind).toBe("presented");
    const presented = answer.kind === "presented" ? answer.presentation : undefined;
    expect(presented?.accessKey?.type).toContain(ACCESS_KEY_TYPE);
    expect(presented?.credentials.map((credential) => credential.type)).toEqual([
      ["VerifiableCredential", "StaffPassportIdentity"],
    ]);
    expect(presented?.credentials[0]?.revocationStatus).toBe("VALID");
    expect(fetched.length).toBeGreaterThan(0);
  });
});
