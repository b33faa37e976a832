// A busy room: only a run of its messages is in the page however many were loaded; scrolling
// back through all of them keeps the place; a link to a message far back opens it in context;
// a room with more unread than a page opens at the first unread and is read as the user reads.

import type { Page } from "playwright-core";
import { beforeAll, describe, expect, test } from "vitest";
import { log, message, nav, send, setup, shows, signUp } from "./harness";

// Seeding posts hundreds of messages in a second: the send limit would stretch that to minutes.
const app = setup({}, ["send=off"]);

const N = 1500;
const body = (i: number) => `item-${i}-end`;
/** The most messages the client puts in the page at once (web/src/view.ts). */
const VIEW_MAX = 120;

/** The message at the top of the log's visible part, and how far below the top it is. */
function rowAtTop(page: Page) {
  return log(page).evaluate((el) => {
    const top = el.getBoundingClientRect().top;
    const row = [...el.querySelectorAll<HTMLElement>("article[data-seq]")].find((a) => a.getBoundingClientRect().bottom > top + 1);
    return row ? { seq: row.dataset.seq!, offset: row.getBoundingClientRect().top - top } : null;
  });
}

/** Where the message `seq` is now, relative to the top of the log's visible part. */
function offsetOf(page: Page, seq: string) {
  return log(page).evaluate((el, seq) => {
    const row = el.querySelector(`article[data-seq="${seq}"]`);
    return row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top : null;
  }, seq);
}

/** Whether the message with `text` is within the log's visible part. */
function inView(page: Page, text: string) {
  return message(page, text).evaluate((el) => {
    const box = el.getBoundingClientRect();
    const view = el.closest("[role=log]")!.getBoundingClientRect();
    return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
  });
}

let archive = "";
let boss = "";

describe("a busy room", () => {
  beforeAll(async () => {
    boss = await app.server.register("boss"); // the first account: an admin, who may import
    archive = (await app.server.importRoom(boss, "archive", Array.from({ length: N }, (_, i) => body(i + 1)))).id;
  });

  test("a room of thousands keeps a run of them in the page, scrolls back to its start in place, and comes back to the newest", async () => {    const kai = await signUp(app.browser, app.server, "kai");
    const page = kai.page;
    await page.getByRole("button", { name: "Browse public rooms" }).click();
    await page.getByRole("button", { name: "Join archive" }).click();
    await shows(page, body(N));
    expect(await log(page).locator("article").count()).toBeLessThanOrEqual(VIEW_MAX);

    // Scroll to the top again and again: each time rows are put in above (from the loaded pages,
    // or a page loaded from the server), and the row that was at the top stays where it was.
    let steps = 0;
    for (; steps < 200; steps++) {
      const step = await log(page).evaluate(async (el) => {
        el.scrollTop = 0;
        const top = el.getBoundingClientRect().top;
        const first = () => Number(el.querySelector<HTMLElement>("article[data-seq]")!.dataset.seq);
        const row = [...el.querySelectorAll<HTMLElement>("article[data-seq]")].find((a) => a.getBoundingClientRect().bottom > top + 1)!;
        const offset = row.getBoundingClientRect().top - top;
        const was = first();
        const since = performance.now();
        while (first() === was && performance.now() - since < 5000) await new Promise((ok) => requestAnimationFrame(ok));
        await new Promise((ok) => requestAnimationFrame(ok));
        return {
          added: first() < was,
          first: first(),
          moved: Math.abs(row.getBoundingClientRect().top - top - offset),
          attached: row.isConnected,
          rows: el.querySelectorAll("article").length,
        };
      });
      if (!step.added) break;
      expect(step.attached).toBe(true);
      expect(step.moved).toBeLessThan(2);
      expect(step.rows).toBeLessThanOrEqual(VIEW_MAX);
    }
    // The page never held them all: it took many steps up, each adding a run.
    expect(steps).toBeGreaterThan(N / VIEW_MAX);
    await page.getByText("This is the beginning of the room.").waitFor();
    await shows(page, body(1));

    // The newest were dropped from memory on the way back (the window holds a thousand): they
    // are loaded again.
    await page.getByRole("button", { name: "Jump to newest ↓" }).click();
    await shows(page, body(N));
    await expect.poll(() => inView(page, body(N))).toBe(true);
    expect(await log(page).locator("article").count()).toBeLessThanOrEqual(VIEW_MAX);

    // Reading a little further up while others write: the view stays put, a button tells of it.
    await log(page).evaluate((el) => (el.scrollTop -= 1500));
    await page.getByRole("button", { name: "Jump to newest ↓" }).waitFor();
    const before = (await rowAtTop(page))!;
    for (let i = 1; i <= 30; i++) await app.server.api(boss, "POST", `/rooms/${archive}/messages`, { body: `live-${i}-end` });
    await page.getByRole("button", { name: "New messages ↓" }).waitFor();
    await expect.poll(() => log(page).locator("article").filter({ hasText: "live-30-end" }).count()).toBe(0);
    expect(Math.abs((await offsetOf(page, before.seq))! - before.offset)).toBeLessThan(2);

    // Sending from there goes to the newest, where the message shows as sent.
    await send(page, "back at the end");
    await shows(page, "back at the end");
    await expect.poll(() => inView(page, "back at the end")).toBe(true);
    await shows(page, "live-30-end");
    await kai.context.close();
  });

  test("a link to a message far back opens it in context", async () => {
    const lee = await signUp(app.browser, app.server, "lee");
    const page = lee.page;
    await page.getByRole("button", { name: "Browse public rooms" }).click();
    await page.getByRole("button", { name: "Join archive" }).click();
    await log(page).locator("article").first().waitFor();
    await page.goto(`${app.server.url}/r/${archive}/7`);
    await shows(page, body(7));
    await expect.poll(() => inView(page, body(7))).toBe(true);
    await expect.poll(() => message(page, body(7)).evaluate((el) => el === document.activeElement)).toBe(true);
    // Its neighbours are there to read; the page holds a run of the room, not all of it.
    await shows(page, body(6));
    await shows(page, body(8));
    expect(await log(page).locator("article").count()).toBeLessThanOrEqual(VIEW_MAX);
    await lee.context.close();
  });

  test("a room with hundreds unread opens at the first of them and is read as the user reads", async () => {
    const moe = await signUp(app.browser, app.server, "moe");
    const page = moe.page;
    await page.getByRole("button", { name: "Browse public rooms" }).click();
    await page.getByRole("button", { name: "Join archive" }).click();
    await log(page).locator("article").first().waitFor();
    await nav(page).getByRole("button", { name: /^general/ }).click();
    for (let i = 1; i <= 300; i++) await app.server.api(boss, "POST", `/rooms/${archive}/messages`, { body: `update-${i}-end` });
    await nav(page).getByRole("button", { name: "archive, 300 unread" }).waitFor();

    await nav(page).getByRole("button", { name: /^archive/ }).click();
    await log(page).getByRole("separator", { name: "New messages" }).waitFor();
    await expect.poll(() => inView(page, "update-1-end")).toBe(true);
    expect(await log(page).locator("article").filter({ hasText: "update-300-end" }).count()).toBe(0);
    // What is on screen is read; the rest is not.
    await expect.poll(async () => Number((await page.title()).match(/^\((\d+)\)/)?.[1] ?? 0)).toBeLessThan(300);
    const left = Number((await page.title()).match(/^\((\d+)\)/)?.[1] ?? 0);
    expect(left).toBeGreaterThan(200);

    // Scrolling down reads on; the newer pages come in as the user gets to them.
    for (let i = 0; i < 100 && (await message(page, "update-300-end").count()) === 0; i++) {
      await log(page).evaluate((el) => (el.scrollTop += el.clientHeight));
      await page.waitForTimeout(100);
    }
    await shows(page, "update-300-end");
    await log(page).evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => page.title()).toBe("natter");
    await moe.context.close();
  });
});
