// A phone's room header: the room's name keeps its width (the actions go into one menu), and the
// ☰ button tells of unread messages and mentions in the rooms behind it. Real Chromium at 390×844.

import { describe, expect, test } from "vitest";
import { log, phone, setup, signUp } from "./harness";

const app = setup();

describe("on a phone", () => {
  test("the room's name is readable, its actions are in one menu, and ☰ shows what waits elsewhere", async () => {
    const pat = await signUp(app.browser, app.server, "pat", phone);
    const page = pat.page;
    const quinn = await app.server.register("quinn");
    const room = await app.server.api(quinn, "POST", "/rooms", { name: "engineering-announcements", visibility: "public" });
    await page.getByRole("button", { name: "Open rooms" }).click();
    await page.getByRole("button", { name: "Browse public rooms" }).click();
    await page.getByRole("button", { name: "Join engineering-announcements" }).click();
    const heading = page.locator(".room-header h1");
    await expect.poll(() => heading.textContent()).toContain("engineering-announcements");
    // Not cut short: the whole name fits.
    expect(await heading.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);

    // The actions are behind one button, and it closes once one is chosen.
    expect(await page.getByRole("button", { name: "Members", exact: true }).isVisible()).toBe(false);
    await page.getByLabel("Room actions").click();
    for (const name of ["Search", "Pins", "Members", "Leave"]) {
      expect(await page.getByRole("button", { name, exact: true }).isVisible(), name).toBe(true);
    }
    await page.getByRole("button", { name: "Members", exact: true }).click();
    await page.getByRole("complementary", { name: "Members" }).waitFor();
    expect(await page.locator(".room-menu").evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    await page.keyboard.press("Escape");
    await page.getByRole("complementary", { name: "Members" }).waitFor({ state: "hidden" });

    // Someone writes in general: a dot; someone mentions pat: a count.
    const menu = page.locator(".room-header .menu-button");
    expect(await menu.getAttribute("aria-label")).toBe("Open rooms");
    const general = (await app.server.api(quinn, "GET", "/rooms")) as { id: string; name: string }[] | { rooms: { id: string; name: string }[] };
    const list = Array.isArray(general) ? general : general.rooms;
    const generalId = list.find((r) => r.name === "general")!.id;
    await app.server.api(quinn, "POST", `/rooms/${generalId}/join`).catch(() => undefined);
    await app.server.api(quinn, "POST", `/rooms/${generalId}/messages`, { body: "lunch at noon" });
    await expect.poll(() => menu.getAttribute("aria-label")).toBe("Open rooms, unread messages elsewhere");
    expect(await menu.locator(".menu-badge.dot").count()).toBe(1);
    await app.server.api(quinn, "POST", `/rooms/${generalId}/messages`, { body: "@pat are you coming?" });
    await expect.poll(() => menu.getAttribute("aria-label")).toBe("Open rooms, 1 mention elsewhere");
    expect(await menu.locator(".menu-badge.count").textContent()).toBe("1");
    // Here, nothing is new: the room open is not "elsewhere".
    await app.server.api(quinn, "POST", `/rooms/${room.id}/messages`, { body: "release on friday" });
    await log(page).getByText("release on friday").waitFor();
    expect(await menu.getAttribute("aria-label")).toBe("Open rooms, 1 mention elsewhere");
    await pat.context.close();
  });
});
