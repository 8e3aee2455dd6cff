// Holds the documentation together: README stays a short front door that links every page in docs/, each page
// says whom it is for, its relative links lead somewhere, and every test the pages quote still exists.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), "utf8");
const docs = readdirSync(join(root, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => `docs/${name}`);
const pages = ["README.md", ...docs];

/** The lines of a page outside its code blocks, where a link or a quoted test name means what it says. */
function proseLines(text: string): string[] {
  let inCode = false;
  return text.split("\n").filter((line) => {
    if (line.startsWith("```")) inCode = !inCode;
    return !inCode && !line.startsWith("```");
  });
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchorsOf(page: string): Set<string> {
  return new Set(
    proseLines(read(page))
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, ""))),
  );
}

/** Each `test/....test.ts` path in a table row with the test names quoted after it, up to the next path. */
function quotedTests(text: string): { file: string; name: string }[] {
  const found: { file: string; name: string }[] = [];
  for (const line of proseLines(text).filter((l) => l.startsWith("|"))) {
    const parts = line.split(/`(test\/[\w/.-]+\.test\.ts)`/);
    for (let i = 1; i < parts.length; i += 2) {
      const file = parts[i] ?? "";
      // Parenthesised notes between a path and its names describe, they do not quote: skip them whole. A table
      // cell writes | as \|.
      for (const match of (parts[i + 1] ?? "").matchAll(/"([^"]+)"|\([^()]*\)/g))
        if (match[1] !== undefined) found.push({ file, name: match[1].replaceAll("\\|", "|") });
    }
  }
  return found;
}

describe("the documentation", () => {
  it("keeps README a front door of at most 200 lines", () => {
    expect(read("README.md").trimEnd().split("\n").length).toBeLessThanOrEqual(200);
  });

  it("names each page's reader in its first line", () => {
    expect(docs.length).toBeGreaterThanOrEqual(5);
    for (const page of docs) expect(read(page).split("\n")[0], page).toMatch(/^# For [^:]+: \S/);
  });

  it("links every page in docs/ from README", () => {
    const readme = read("README.md");
    for (const page of docs) expect(readme, page).toContain(`](${page})`);
  });

  it("shows every screen kept in docs/screens in README", () => {
    const readme = read("README.md");
    const screens = readdirSync(join(root, "docs/screens")).filter((name) => name.endsWith(".png"));
    expect(screens.length).toBeGreaterThan(0);
    for (const name of screens) expect(readme, name).toContain(`](docs/screens/${name})`);
  });

  it("lists every npm script in README's table of scripts", () => {
    const { scripts } = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    const rows = read("README.md")
      .split("\n")
      .filter((line) => line.startsWith("| `npm "));
    for (const name of Object.keys(scripts)) {
      const command = name === "start" || name === "test" ? `npm ${name}` : `npm run ${name}`;
      expect(
        rows.some((row) => row.startsWith(`| \`${command}\``) || row.startsWith(`| \`${command} `)),
        command,
      ).toBe(true);
    }
  });

  it("has relative links that lead to an existing file and heading", () => {
    for (const page of pages) {
      for (const line of proseLines(read(page))) {
        for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = match[1] ?? "";
          if (/^[a-z]+:/.test(target)) continue;
          const [path = "", anchor] = target.split("#");
          const file = path === "" ? page : join(dirname(page), path);
          expect(existsSync(join(root, file)), `${page} links ${target}`).toBe(true);
          if (anchor !== undefined) expect(anchorsOf(file), `${page} links ${target}`).toContain(anchor);
        }
      }
    }
  });

  it("quotes only tests that exist, as they are named in their files", () => {
    const quoted = quotedTests(read("docs/design.md"));
    expect(quoted.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const page of docs) {
      for (const { file, name } of quotedTests(read(page))) {
        // A name cut short with an ellipsis is held to the part it shows.
        if (!existsSync(join(root, file)) || !read(file).includes(name.replace(/…$/, "")))
          missing.push(`${page}: ${file} "${name}"`);
      }
    }
    expect(missing).toEqual([]);
  });
});
