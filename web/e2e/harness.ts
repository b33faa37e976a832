// Starts the real `natter serve` binary and real Chromium for the end-to-end tests.
//
// NATTER_BIN picks the binary (default: the workspace's target/debug/natter, which the README's
// test command builds first); CHROMIUM picks the browser (default: Debian's /usr/bin/chromium).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
const bin = process.env.NATTER_BIN ?? join(repoRoot, "target/debug/natter");

export class Server {
  url = "";
  port = 0;
  private child: ChildProcess | null = null;

  /** `env` adds settings, e.g. `NATTER_MAX_FILE_MB`; `limits`, rate limits changed from what
   * ships (`send=off` for a test that fills a room). */
  constructor(
    readonly dataDir: string,
    readonly env: Record<string, string> = {},
    readonly limits: string[] = [],
  ) {}

  static async start(env: Record<string, string> = {}, limits: string[] = []): Promise<Server> {
    const server = new Server(mkdtempSync(join(tmpdir(), "natter-e2e-")), env, limits);
    await server.run(0);
    return server;
  }

  /** Starts the binary on `port` (0 picks one) and resolves once it logs its address. */
  async run(port: number): Promise<void> {
    // Open registration: each test signs up whoever it needs, all from 127.0.0.1, so the limits
    // on sign-ups and logins per address are off; every other limit is as shipped.
    const args = [
      "serve", "--listen", `127.0.0.1:${port}`, "--registration", "open", "--data-dir", this.dataDir,
      "--rate-limit", ["register=off", "login_addr=off", ...this.limits].join(","),
    ];
    const child = spawn(bin, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, RUST_LOG: "info", ...this.env },
    });
    this.child = child;
    const addr = await new Promise<string>((ok, fail) => {
      let log = "";
      const timer = setTimeout(() => fail(new Error(`natter did not start within 20 s:\n${log}`)), 20_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        const m = log.match(/listening addr=(\S+)/);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        fail(new Error(`natter exited with ${code} before listening:\n${log}`));
      });
    });
    child.stderr!.resume();
    this.port = Number(addr.split(":").pop());
    this.url = `http://${addr}`;
  }

  /** SIGTERM, and wait for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = null;
    await new Promise<void>((ok) => {
      child.on("exit", () => ok());
      child.kill("SIGTERM");
    });
  }

  /** Stops and starts again on the same port and data directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.run(this.port);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Registers a user over REST and returns its bearer token (for seeding and checks). */
  async register(username: string, password = "correct horse"): Promise<string> {
    const res = await fetch(`${this.url}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }

  /**
   * Makes a public room holding `bodies` in one request, as an admin's room import does (each
   * body after a line naming "Seed"): for tests that need thousands of messages.
   */
  async importRoom(adminToken: string, name: string, bodies: string[]): Promise<{ id: string }> {
    const now = new Date().toISOString();
    const messages = bodies.map((body, i) => ({
      sender_username: "seed",
      sender_name: "Seed",
      id: String(i + 1),
      room_id: "0",
      seq: i + 1,
      sender_id: "0",
      body,
      html: "",
      created_at: now,
    }));
    const room = { id: "0", name, kind: "public", topic: "", last_seq: bodies.length, last_rev: 0 };
    const answer = await this.api(adminToken, "POST", "/rooms/import", { format: "natter-room-export", version: 1, exported_at: now, room, messages });
    return answer.room;
  }

  async api(token: string, method: string, path: string, body?: unknown): Promise<any> {
    const send = () =>
      fetch(`${this.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res = await send();
    // Seeding runs faster than people type: wait as long as a rate limit says, as clients must.
    for (let tries = 0; res.status === 429 && tries < 50; tries++) {
      const wait = (await res.json()).error?.retry_after_ms ?? 1000;
      await new Promise((ok) => setTimeout(ok, wait));
      res = await send();
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }
}

export async function launch(extra: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      ...extra,
    ],
  });
}

export const desktop = { viewport: { width: 1280, height: 800 } };
// Reduced motion: screenshots of the drawer show it open, not half-way through sliding in.
export const phone = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  reducedMotion: "reduce" as const,
};

/** A fresh browser context (its own cookies) with one page, signed up through the UI. */
export async function signUp(
  browser: Browser,
  server: Server,
  username: string,
  options: Parameters<Browser["newContext"]>[0] = desktop,
  prepare?: (page: Page) => Promise<void>,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${username}] page error:`, e));
  await prepare?.(page);
  await page.goto(server.url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("correct horse");
  await page.getByRole("button", { name: "Create account" }).click();
  await composer(page).waitFor();
  await connected(page);
  return { context, page };
}

export function composer(page: Page) {
  return page.getByRole("textbox", { name: "Message" });
}

export function log(page: Page) {
  return page.getByRole("log", { name: "Messages" });
}

/** Waits until the page's WebSocket is up and resynced. */
export async function connected(page: Page) {
  await page.locator('.layout[data-conn="online"]').waitFor();
}

/** Waits until the page tells the user it is offline. */
export async function offline(page: Page) {
  await page.getByRole("status").filter({ hasText: "Offline" }).waitFor();
}

/** Writes and sends a message: with Enter on desktop, with the Send button on a touch screen. */
export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  const touch = await page.evaluate(() => matchMedia("(pointer: coarse)").matches);
  if (touch) await page.getByRole("button", { name: "Send" }).click();
  else await composer(page).press("Enter");
}

/** Waits until the message list shows `text`, sent and not pending. */
export async function shows(page: Page, text: string) {
  await log(page).locator("article.msg:not(.pending)").filter({ hasText: text }).first().waitFor();
}

/** The sent message in the log that contains `text`. */
export function message(page: Page, text: string): Locator {
  return log(page).locator("article.msg:not(.pending)").filter({ hasText: text }).first();
}

/** Clicks one of a message's actions (they show on hover or focus). */
export async function action(page: Page, text: string, name: string) {
  const m = message(page, text);
  await m.hover();
  await m.getByRole("button", { name, exact: true }).click();
}

/** Creates a public room through the sidebar's + (desktop), which opens it. */
export async function createRoom(page: Page, name: string) {
  await page.getByRole("button", { name: "Create a room" }).click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create room" }).click();
  await page.getByRole("heading", { name: new RegExp(name) }).waitFor();
}

/** The open room's title in its header. */
export function heading(page: Page): Locator {
  return page.locator(".room-header h1");
}

/** The sidebar's list of rooms. */
export function nav(page: Page): Locator {
  return page.getByRole("navigation", { name: "Rooms" });
}

/** How many times the message list shows a message with exactly this body. */
export async function count(page: Page, text: string): Promise<number> {
  return log(page)
    .locator("article.msg .body")
    .evaluateAll((els, t) => els.filter((e) => e.textContent === t).length, text);
}

/** Where a screenshot goes: the README's copies in docs/screenshots when
 * `UPDATE_SCREENSHOTS=1`, else a scratch directory, so a test run changes no tracked file. */
export function screenshotPath(name: string): string {
  const dir = process.env.UPDATE_SCREENSHOTS === "1"
    ? join(repoRoot, "docs/screenshots")
    : join(tmpdir(), "natter-screenshots");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** One server and one browser for a test file, started before its tests and stopped after. */
export function setup(env: Record<string, string> = {}, limits: string[] = []): { server: Server; browser: Browser } {
  const app = {} as { server: Server; browser: Browser };
  beforeAll(async () => {
    app.server = await Server.start(env, limits);
    app.browser = await launch();
  });
  afterAll(async () => {
    await app.browser?.close();
    await app.server?.dispose();
  });
  return app;
}
