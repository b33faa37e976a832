// Catching up: a room with more unread messages than a screen holds opens at the New messages
// line and is read only as far as the user has seen; Jump to newest; Mark all as read.

import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { createRoom, log, setup, signUp } from "./harness";

const app = setup();


/** Whether `el` is within the log's visible part. */
function inView(page: Page, selector: string) {
  return log(page)
    .locator(selector)
    .first()
    .evaluate((el) => {
      const box = el.getBoundingClientRect();
      const view = el.closest("[role=log]")!.getBoundingClientRect();
      return box.bottom > view.top && box.top < view.bottom;
    });
}

describe("catching up", () => {
  test("a long unread stretch opens at the New messages line; Jump to newest reads it; Mark all as read", async () => {
    const kai = await signUp(app.browser, app.server, "kai");
    const page = kai.page;
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/r\/\d+$/);
    const general = new URL(page.url()).pathname.split("/")[2];
    await createRoom(page, "elsewhere");
    const lee = await app.server.register("lee");
    await app.server.api(lee, "POST", `/rooms/${general}/join`).catch(() => undefined);
    for (let i = 1; i <= 45; i++) {
      await app.server.api(lee, "POST", `/rooms/${general}/messages`, { body: `update number ${i}` });
    }
    const nav = page.getByRole("navigation", { name: "Rooms" });
    await nav.getByRole("button", { name: "general, 45 unread" }).waitFor();

    await nav.getByRole("button", { name: /^general/ }).click();
    await log(page).getByRole("separator", { name: "New messages" }).waitFor();
    await expect.poll(() => inView(page, ".unread-line")).toBe(true);
    expect(await inView(page, "article.msg:last-of-type")).toBe(false);
    // Read as far as the screen shows, not to the end (the tab's title counts every room's unread).
    const unread = async () => Number((await page.title()).match(/^\((\d+)\)/)?.[1] ?? 0);
    await expect.poll(unread).toBeLessThan(45);
    expect(await unread()).toBeGreaterThan(0);

    await page.getByRole("button", { name: "Jump to newest ↓" }).click();
    await expect.poll(() => inView(page, "article.msg:last-of-type")).toBe(true);
    await expect.poll(() => page.title()).toBe("natter");
    await page.getByRole("button", { name: "Jump to newest ↓" }).waitFor({ state: "hidden" });

    // Away again, news arrives in two rooms; one click reads them all.
    await nav.getByRole("button", { name: /^elsewhere/ }).click();
    const other = await app.server.api(lee, "POST", "/rooms", { name: "side-talk", visibility: "public" });
    await page.getByRole("button", { name: "Browse public rooms" }).click();
    await page.getByRole("button", { name: "Join side-talk" }).click();
    await nav.getByRole("button", { name: /^elsewhere/ }).click();
    await app.server.api(lee, "POST", `/rooms/${general}/messages`, { body: "one more" });
    await app.server.api(lee, "POST", `/rooms/${other.id}/messages`, { body: "and here" });
    await nav.getByRole("button", { name: "general, 1 unread" }).waitFor();
    await nav.getByRole("button", { name: "side-talk, 1 unread" }).waitFor();
    await page.getByRole("button", { name: "Mark all as read" }).click();
    await nav.getByRole("button", { name: "general", exact: true }).waitFor();
    await nav.getByRole("button", { name: "side-talk", exact: true }).waitFor();
    await page.getByRole("button", { name: "Mark all as read" }).waitFor({ state: "hidden" });
    await kai.context.close();
  });
});
