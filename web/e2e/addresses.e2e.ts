// Addresses: the location bar follows the open room (`/r/ROOM`), reload and Back keep the user
// where they were, and a message's link (`/r/ROOM/SEQ`) opens it in context, on desktop and on
// a phone, in real Chromium against the real binary.

import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { composer, connected, desktop, heading, log, phone, setup, shows, signUp } from "./harness";

const app = setup();


async function touch(page: Page): Promise<boolean> {
  return page.evaluate(() => matchMedia("(pointer: coarse)").matches);
}

/** Joins a public room through Browse, which opens it. */
async function join(page: Page, name: string) {
  if (await touch(page)) await page.getByRole("button", { name: "Open rooms" }).click();
  await page.getByRole("button", { name: "Browse public rooms" }).click();
  await page.getByRole("button", { name: `Join ${name}` }).click();
  await expect.poll(() => heading(page).textContent()).toContain(name);
}

describe("addresses", () => {
  for (const [device, options] of [["desktop", desktop], ["phone", phone]] as const) {
    test(`on a ${device}, the address follows the room, and reload and Back keep to it`, async () => {
      const token = await app.server.register(`host-${device}`);
      const room = await app.server.api(token, "POST", "/rooms", { name: `plans-${device}`, visibility: "public" });
      await app.server.api(token, "POST", `/rooms/${room.id}/messages`, { body: `plans for the ${device}` });
      const user = await signUp(app.browser, app.server, `walker-${device}`, options);
      const page = user.page;
      await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/r\/\d+$/);
      const general = new URL(page.url()).pathname;
      await join(page, `plans-${device}`);
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/r/${room.id}`);
      await shows(page, `plans for the ${device}`);

      await page.reload();
      await composer(page).waitFor();
      await connected(page);
      await expect.poll(() => heading(page).textContent()).toContain(`plans-${device}`);
      await shows(page, `plans for the ${device}`);

      await page.goBack();
      await expect.poll(() => new URL(page.url()).pathname).toBe(general);
      await expect.poll(() => heading(page).textContent()).toContain("general");
      await page.goForward();
      await expect.poll(() => heading(page).textContent()).toContain(`plans-${device}`);
      await user.context.close();
    });
  }

  test("a message's link opens it in context, older history loaded, for a member; an unknown room falls back with a note", async () => {
    const token = await app.server.register("archivist");
    const room = await app.server.api(token, "POST", "/rooms", { name: "records", visibility: "public" });
    let target = 0;
    for (let i = 1; i <= 90; i++) {
      const sent = await app.server.api(token, "POST", `/rooms/${room.id}/messages`, { body: `record number ${i}` });
      if (i === 7) target = sent.seq;
    }
    expect(target).toBeGreaterThan(0);
    const clerk = await signUp(app.browser, app.server, "clerk");
    await clerk.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.server.url });
    await join(clerk.page, "records");
    await shows(clerk.page, "record number 90");

    // Copy link on the newest message gives its address.
    const newest = log(clerk.page).locator("article.msg").filter({ hasText: "record number 90" }).first();
    await newest.hover();
    await newest.getByRole("button", { name: "Copy link", exact: true }).click();
    await newest.getByText("Link copied.").waitFor();
    const copied = await clerk.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`${app.server.url}/r/${room.id}/${await newest.getAttribute("data-seq")}`);

    // The link to an old message, opened in a new tab, scrolls to it, 80 messages back.
    const tab = await clerk.context.newPage();
    await tab.goto(`${app.server.url}/r/${room.id}/${target}`);
    const old = log(tab).locator(`article.msg[data-seq="${target}"]`);
    await old.waitFor();
    expect(await old.textContent()).toContain("record number 7");
    await expect.poll(() => old.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect
      .poll(() =>
        old.evaluate((el) => {
          const box = el.getBoundingClientRect();
          const list = el.closest("[role=log]")!.getBoundingClientRect();
          return box.top >= list.top && box.bottom <= list.bottom;
        }),
      )
      .toBe(true);
    expect(new URL(tab.url()).pathname).toBe(`/r/${room.id}/${target}`);

    // A room that is not theirs: general opens, with a note, and the address says so.
    await tab.goto(`${app.server.url}/r/999999/1`);
    await tab.getByRole("status").filter({ hasText: "That link is to a room you are not in" }).waitFor();
    await expect.poll(() => heading(tab).textContent()).toContain("general");
    await expect.poll(() => new URL(tab.url()).pathname).toMatch(/^\/r\/\d+$/);
    expect(new URL(tab.url()).pathname).not.toBe("/r/999999");
    await clerk.context.close();
  });
});
