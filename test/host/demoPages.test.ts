// The demo pages as the servers deliver them: built once with esbuild, served as static files at / beside the
// endpoints (which keep their own routes), from the page's origin only (content security policy).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpHost } from "../../local/host/httpHost.js";
import { buildSite, type Site } from "../../local/pages/site.js";
import { httpEndpoint } from "../../src/http/endpoint.js";

const ping = httpEndpoint({
  name: "ping",
  method: "GET",
  route: "api/ping",
  summary: "Answers",
  responses: { 200: { description: "pong" } },
  handle: async () => ({ status: 200, body: { pong: true } }),
});

let portal: Site;
let host: Awaited<ReturnType<typeof startHttpHost>>;

beforeAll(async () => {
  portal = await buildSite("portal");
  host = await startHttpHost([ping], { port: 0, site: portal });
});
afterAll(() => host.close());

describe("the demo pages", () => {
  it("builds each page into its HTML, the design system's stylesheet and its own, and one browser bundle", async () => {
    for (const name of ["portal", "wallet", "trust"] as const) {
      const site = name === "portal" ? portal : await buildSite(name);
      const paths = [...site.keys()];
      expect(paths.filter((path) => !path.startsWith("/assets/images/")).sort()).toEqual([
        "/",
        "/main.js",
        "/nhsuk.css",
        "/style.css",
      ]);
      // The NHS.UK design system's CSS, with nothing in it that the browser would fetch from elsewhere.
      const designSystem = site.get("/nhsuk.css")?.body.toString("utf8") ?? "";
      expect(designSystem).toContain(".nhsuk-button");
      expect(designSystem).not.toMatch(/url\(\s*["']?(https?:)?\/\//);
      // Each icon the CSS points at is served with it.
      for (const [, icon] of designSystem.matchAll(/url\(([^)]+)\)/g)) expect(paths).toContain(icon);
      const script = site.get("/main.js")?.body.toString("utf8") ?? "";
      // Bundled: no import left for the browser to resolve, and no Node built-in pulled in.
      expect(script).not.toMatch(/^import /m);
      expect(script).not.toMatch(/node:/);
    }
  });

  it("serves the portal at / with a policy that allows only its own origin, beside the API", async () => {
    const page = await fetch(`${host.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/main.js"></script>');
    expect((await fetch(`${host.url}/main.js`)).headers.get("content-type")).toBe(
      "text/javascript; charset=utf-8",
    );
    expect(await (await fetch(`${host.url}/api/ping`)).json()).toEqual({ pong: true });
  });

  it("answers 404 for anything else outside /api/, and serves no page to other methods", async () => {
    expect((await fetch(`${host.url}/secret.txt`)).status).toBe(404);
    expect((await fetch(`${host.url}/`, { method: "POST" })).status).toBe(404);
  });
});
