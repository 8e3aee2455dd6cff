// A headless Chromium driven over the Chrome DevTools Protocol on a pipe (--remote-debugging-pipe: JSON messages
// separated by NUL bytes on file descriptors 3 and 4), so the browser tests need no driver package. Each page
// records console errors, uncaught exceptions and every URL it requested.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

const COMMAND_TIMEOUT_MS = 20_000;
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary to use: CHROMIUM_PATH, else the usual Debian locations; undefined when none is there. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

type Message = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
};

export class Browser {
  readonly #process: ChildProcess;
  readonly #input: Writable;
  readonly #profile: string;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (value: Message) => void; reject: (error: Error) => void }
  >();
  readonly #listeners = new Set<(message: Message) => void>();

  private constructor(binary: string) {
    this.#profile = mkdtempSync(join(tmpdir(), "staff-passport-chromium-"));
    this.#process = spawn(
      binary,
      [
        "--headless",
        "--remote-debugging-pipe",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--font-render-hinting=none",
        `--user-data-dir=${this.#profile}`,
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] },
    );
    this.#input = this.#process.stdio[3] as Writable;
    let buffered = "";
    (this.#process.stdio[4] as Readable).on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      let end = buffered.indexOf("\0");
      while (end >= 0) {
        this.#receive(JSON.parse(buffered.slice(0, end)) as Message);
        buffered = buffered.slice(end + 1);
        end = buffered.indexOf("\0");
      }
    });
    this.#process.on("exit", () => {
      for (const { reject } of this.#pending.values()) reject(new Error("Chromium exited"));
      this.#pending.clear();
    });
  }

  static async launch(binary: string): Promise<Browser> {
    const browser = new Browser(binary);
    await browser.send("Browser.getVersion");
    return browser;
  }

  #receive(message: Message): void {
    if (message.id !== undefined) {
      const waiting = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error.message));
      else waiting?.resolve(message);
      return;
    }
    for (const listener of this.#listeners) listener(message);
  }

  async send(method: string, params: Record<string, unknown> = {}, sessionId?: string) {
    const id = this.#nextId++;
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`Chromium did not answer ${method} within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    this.#input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return (await reply).result ?? {};
  }

  on(listener: (message: Message) => void): void {
    this.#listeners.add(listener);
  }

  async newPage(viewport: { width: number; height: number }): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, String(sessionId));
    await page.init(viewport);
    return page;
  }

  async close(): Promise<void> {
    await this.send("Browser.close").catch(() => {});
    await new Promise<void>((resolve) => {
      if (this.#process.exitCode !== null) resolve();
      else this.#process.once("exit", () => resolve());
      setTimeout(() => {
        this.#process.kill("SIGKILL");
        resolve();
      }, 5000).unref();
    });
    rmSync(this.#profile, { recursive: true, force: true });
  }
}

export class Page {
  /** Console errors and uncaught exceptions, as text. */
  readonly errors: string[] = [];
  /** Every URL the page requested. */
  readonly requests: string[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {
    browser.on((message) => {
      if (message.sessionId !== sessionId) return;
      const params = message.params ?? {};
      if (message.method === "Runtime.consoleAPICalled" && params.type === "error") {
        this.errors.push(JSON.stringify(params.args));
      } else if (message.method === "Runtime.exceptionThrown") {
        this.errors.push(JSON.stringify(params.exceptionDetails));
      } else if (message.method === "Log.entryAdded") {
        const entry = params.entry as { level: string; text: string; url?: string };
        if (entry.level === "error") this.errors.push(`${entry.text} ${entry.url ?? ""}`);
      } else if (message.method === "Network.requestWillBeSent") {
        this.requests.push((params.request as { url: string }).url);
      }
    });
  }

  #send(method: string, params: Record<string, unknown> = {}) {
    return this.browser.send(method, params, this.sessionId);
  }

  async init(viewport: { width: number; height: number }): Promise<void> {
    await Promise.all(
      ["Runtime.enable", "Page.enable", "Network.enable", "Log.enable"].map((m) => this.#send(m)),
    );
    await this.setViewport(viewport);
  }

  async setViewport({ width, height }: { width: number; height: number }): Promise<void> {
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: width < 600,
    });
  }

  async goto(url: string): Promise<void> {
    await this.#send("Page.navigate", { url });
    await this.waitFor(`location.href === ${JSON.stringify(url)} && document.readyState === "complete"`);
  }

  /** Evaluates an expression in the page and returns its JSON value; an exception in the page fails. */
  async eval<T>(expression: string): Promise<T> {
    const result = await this.#send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (result.exceptionDetails) throw new Error(`In the page: ${JSON.stringify(result.exceptionDetails)}`);
    return (result.result as { value: T }).value;
  }

  /** Waits until the expression is truthy in the page. */
  async waitFor(expression: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.eval<boolean>(`Boolean(${expression})`).catch(() => false)) return;
      if (Date.now() > deadline) {
        const text = await this.text().catch(() => "");
        throw new Error(`Timed out waiting for ${expression}; the page shows: ${text.slice(0, 600)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until the main content shows this text. */
  waitForText(text: string, timeoutMs?: number): Promise<void> {
    return this.waitFor(`document.body.innerText.includes(${JSON.stringify(text)})`, timeoutMs);
  }

  text(selector = "body"): Promise<string> {
    return this.eval<string>(`document.querySelector(${JSON.stringify(selector)})?.innerText ?? ""`);
  }

  /** Clicks the element the selector finds, after waiting for it. */
  async click(selector: string): Promise<void> {
    const found = `document.querySelector(${JSON.stringify(selector)})`;
    await this.waitFor(found);
    await this.eval(`${found}.click()`);
  }

  /** Clicks the button or link whose text is exactly this, after waiting for it. */
  async clickText(text: string): Promise<void> {
    const found = `[...document.querySelectorAll("button, a")].find((el) => el.innerText.trim() === ${JSON.stringify(text)})`;
    await this.waitFor(found);
    await this.eval(`${found}.click()`);
  }

  async fill(selector: string, value: string): Promise<void> {
    const found = `document.querySelector(${JSON.stringify(selector)})`;
    await this.waitFor(found);
    await this.eval(
      `(() => { const el = ${found}; el.focus(); el.value = ${JSON.stringify(value)}; el.dispatchEvent(new Event("input", { bubbles: true })); })()`,
    );
  }

  async screenshot(path: string): Promise<void> {
    // A headless background tab paints no frames, so a capture of it would wait for ever.
    await this.#send("Page.bringToFront");
    const { data } = await this.#send("Page.captureScreenshot", { format: "png" });
    writeFileSync(path, Buffer.from(String(data), "base64"));
  }
}
