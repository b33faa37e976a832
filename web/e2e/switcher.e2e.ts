// Finding a room among many: Ctrl+K switches by a few letters of the name (as in the terminal
// client), and the sidebar's filter box narrows the list. Real Chromium against the real binary.

import { describe, expect, test } from "vitest";
import { composer, createRoom, heading, setup, signUp } from "./harness";

const app = setup();



describe("finding a room", () => {
  test("Ctrl+K switches by a few letters; arrows choose; Escape closes", async () => {
    const sam = await signUp(app.browser, app.server, "sam");
    const page = sam.page;
    for (const name of ["design-reviews", "devops", "random"]) await createRoom(page, name);
    await page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: "general" }).click();
    await expect.poll(() => heading(page).textContent()).toContain("general");

    // From the message box, mid-sentence.
    await composer(page).fill("half a thought");
    await composer(page).press("Control+k");
    const dialog = page.getByRole("dialog", { name: "Switch to a room" });
    await dialog.getByRole("combobox", { name: "Room name" }).fill("dvo");
    const options = dialog.getByRole("option");
    await expect.poll(() => options.allTextContents()).toEqual(["#devops"]);
    await page.keyboard.press("Enter");
    await expect.poll(() => heading(page).textContent()).toContain("devops");
    await dialog.waitFor({ state: "detached" });
    // Ready to write in the room switched to.
    await expect.poll(() => composer(page).evaluate((el) => el === document.activeElement)).toBe(true);

    await page.keyboard.press("Control+k");
    await dialog.getByRole("combobox", { name: "Room name" }).fill("de");
    await expect.poll(() => options.allTextContents()).toEqual(["#devops", "#design-reviews"]);
    expect(await options.first().getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("ArrowDown");
    expect(await options.nth(1).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Enter");
    await expect.poll(() => heading(page).textContent()).toContain("design-reviews");
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => composer(page).evaluate((el) => el === document.activeElement)).toBe(true);

    await page.keyboard.press("Control+k");
    await dialog.getByRole("combobox", { name: "Room name" }).fill("zzz");
    await dialog.getByText("No room or conversation matches.").waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await heading(page).textContent()).toContain("design-reviews");
    await sam.context.close();
  });

  test("the sidebar's filter narrows the list, Enter opens the first, Escape clears it", async () => {
    const tia = await signUp(app.browser, app.server, "tia");
    const page = tia.page;
    for (const name of ["frontend", "backend", "marketing"]) await createRoom(page, name);
    const nav = page.getByRole("navigation", { name: "Rooms" });
    const names = () => nav.locator(".room-item .room-name").allTextContents();
    const filter = page.getByRole("searchbox", { name: "Filter rooms" });
    await filter.fill("end");
    await expect.poll(async () => (await names()).sort()).toEqual(["backend", "frontend"]);
    await filter.fill("mkt");
    await expect.poll(names).toEqual(["marketing"]);
    await filter.press("Enter");
    await expect.poll(() => heading(page).textContent()).toContain("marketing");
    expect(await filter.inputValue()).toBe("");
    await filter.fill("nothing like it");
    await nav.getByText("No room or conversation matches").waitFor();
    await filter.press("Escape");
    expect(await filter.inputValue()).toBe("");
    await expect.poll(async () => (await names()).length).toBe(4);
    await tia.context.close();
  });
});
