// The demo pages (portal, wallet, trust): each folder's index.html, the NHS.UK design system's CSS, the shared and
// the page's own CSS, and its main.ts bundled for the browser with esbuild, built in memory at start and served.
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export type PageName = "portal" | "wallet" | "trust";

/** A page's files by path (`/`, `/main.js`, `/nhsuk.css`, `/style.css`). */
export type Site = ReadonlyMap<string, { readonly contentType: string; readonly body: Buffer }>;

const PAGES_DIR = fileURLToPath(new URL(".", import.meta.url));
const NHSUK_CSS = createRequire(import.meta.url).resolve("nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css");
const NHSUK_DIR = dirname(NHSUK_CSS);

/**
 * nhsuk-frontend's compiled CSS without its @font-face rules: they fetch the Frutiger font from the NHS's asset
 * host, and the pages load nothing from outside, so text falls back to the design system's own Arial stack.
 */
async function designSystemCss(): Promise<string> {
  return (await readFile(NHSUK_CSS, "utf8")).replace(/@font-face\{[^}]*\}/g, "");
}

/** The design system's icons its CSS points at (`/assets/images/…svg`), served at those paths from this origin. */
async function designSystemIcons(css: string): Promise<[string, { contentType: string; body: Buffer }][]> {
  const paths = [
    ...new Set([...css.matchAll(/url\((\/assets\/images\/[\w-]+\.svg)\)/g)].map((match) => match[1] ?? "")),
  ];
  return Promise.all(
    paths.map(async (path) => [
      path,
      { contentType: "image/svg+xml", body: await readFile(`${NHSUK_DIR}${path}`) },
    ]),
  );
}

export async function buildSite(name: PageName): Promise<Site> {
  const folder = `${PAGES_DIR}${name}/`;
  const [html, nhsukCss, commonCss, pageCss, bundle] = await Promise.all([
    readFile(`${folder}index.html`),
    designSystemCss(),
    readFile(`${PAGES_DIR}common.css`, "utf8"),
    readFile(`${folder}style.css`, "utf8").catch(() => ""),
    build({
      entryPoints: [`${folder}main.ts`],
      bundle: true,
      write: false,
      format: "esm",
      target: "es2022",
      platform: "browser",
      minify: false,
      logLevel: "silent",
    }),
  ]);
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array();
  const icons = await designSystemIcons(nhsukCss);
  return new Map([
    ["/", { contentType: "text/html; charset=utf-8", body: html }],
    ["/main.js", { contentType: "text/javascript; charset=utf-8", body: Buffer.from(script) }],
    ["/nhsuk.css", { contentType: "text/css; charset=utf-8", body: Buffer.from(nhsukCss) }],
    ["/style.css", { contentType: "text/css; charset=utf-8", body: Buffer.from(`${commonCss}\n${pageCss}`) }],
    ...icons,
  ]);
}

/** Answers a GET or HEAD for one of the site's files; false when the path is not one of them. */
export function serveSite(
  site: Site | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  if (site === undefined || (request.method !== "GET" && request.method !== "HEAD")) return false;
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const file = site.get(path === "/index.html" ? "/" : path);
  if (file === undefined) return false;
  response.writeHead(200, {
    "content-type": file.contentType,
    "content-length": String(file.body.length),
    "cache-control": "no-store",
    // Everything comes from this origin; nothing is loaded from anywhere else.
    "content-security-policy":
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
    "x-content-type-options": "nosniff",
  });
  response.end(request.method === "HEAD" ? undefined : file.body);
  return true;
}
