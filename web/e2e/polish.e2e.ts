// Small things a team notices on day one, in real Chromium against the real binary: who sent the
// first new message, where "(edited)" and "pinned" go, no Retry for a refusal that would come
// again, the search box's checkbox, and avatar colours that survive a rename.

import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { action, composer, createRoom, log, message, nav, send, setup, shows, signUp } from "./harness";

const app = setup();

async function openRoom(page: Page, name: string) {
  await nav(page).getByRole("button", { name: new RegExp(`${name}`) }).first().click();
  await page.getByRole("heading", { name: new RegExp(name) }).waitFor();
}




describe("polish", () => {
  test("the first message after the New messages line says who sent it", async () => {
    const ann = await signUp(app.browser, app.server, "ann");
    const ben = await signUp(app.browser, app.server, "ben");
    await send(ben.page, "something you have read");
    await shows(ann.page, "something you have read");
    await createRoom(ann.page, "elsewhere");
    await send(ben.page, "something new");
    await openRoom(ann.page, "general");
    const line = log(ann.page).getByRole("separator", { name: "New messages" });
    await line.waitFor();
    const fresh = message(ann.page, "something new");
    // The line sits right before it, and it starts a group again: ben's name shows.
    expect(await line.evaluate((el) => el.nextElementSibling?.textContent ?? "")).toContain("something new");
    expect(await fresh.locator(".sender").textContent()).toBe("ben");
    await ann.context.close();
    await ben.context.close();
  });

  test("(edited) and pinned share one line, with a dot only between them", async () => {
    const cal = await signUp(app.browser, app.server, "cal");
    // Pinning is for a room's staff: cal owns the room they make.
    await createRoom(cal.page, "notes");
    await send(cal.page, "a note worth keeping");
    await shows(cal.page, "a note worth keeping");
    await action(cal.page, "a note worth keeping", "Edit");
    const edit = cal.page.getByRole("textbox", { name: "Edit message" });
    await edit.fill("a note worth keeping, fixed");
    await edit.press("Enter");
    const meta = message(cal.page, "a note worth keeping, fixed").locator(".msg-meta");
    await expect.poll(() => meta.textContent()).toBe("(edited)");
    await action(cal.page, "a note worth keeping, fixed", "Pin");
    await expect.poll(() => meta.textContent()).toBe("(edited) · 📌 pinned");
    expect(await meta.evaluate((el) => el.getClientRects().length)).toBe(1);
    await cal.context.close();
  });

  test("a send refused for good offers Edit, which puts the text back; the search checkbox sits by its label", async () => {
    const dee = await signUp(app.browser, app.server, "dee");
    // @room is for the room's staff and admins; dee is neither.
    await send(dee.page, "@room lunch is here");
    const refused = log(dee.page).locator("article.msg.pending.failed").filter({ hasText: "@room lunch is here" });
    await refused.waitFor();
    expect(await refused.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await refused.getByRole("button", { name: "Edit" }).click();
    await expect.poll(() => composer(dee.page).inputValue()).toBe("@room lunch is here");
    await refused.waitFor({ state: "detached" });

    await dee.page.getByRole("button", { name: "Search", exact: true }).click();
    const box = dee.page.getByRole("checkbox", { name: /Only in/ });
    await box.waitFor();
    const [boxRect, labelRect] = await box.evaluate((el) => {
      const label = el.closest("label")!;
      const text = document.createRange();
      text.selectNodeContents(label);
      const r = el.getBoundingClientRect();
      const t = [...text.getClientRects()].find((c) => c.left > r.right) ?? text.getBoundingClientRect();
      return [
        { top: r.top, bottom: r.bottom, width: r.width },
        { top: t.top, bottom: t.bottom },
      ];
    });
    expect(boxRect.width).toBeLessThan(40);
    // On the same line as its words: their vertical extents overlap.
    expect(boxRect.top < labelRect.bottom && labelRect.top < boxRect.bottom).toBe(true);
    await dee.context.close();
  });

  test("an avatar keeps its colour through a rename", async () => {
    const fay = await signUp(app.browser, app.server, "fay");
    await expect.poll(() => new URL(fay.page.url()).pathname).toMatch(/^\/r\/\d+$/);
    const general = new URL(fay.page.url()).pathname.split("/")[2];
    const token = await app.server.register("eve");
    await app.server.api(token, "POST", `/rooms/${general}/join`).catch(() => undefined);
    await app.server.api(token, "POST", `/rooms/${general}/messages`, { body: "colours stay" });
    await shows(fay.page, "colours stay");
    const hue = () =>
      message(fay.page, "colours stay").locator(".avatar").evaluate((el) => getComputedStyle(el).getPropertyValue("--hue"));
    const before = await hue();
    expect(before).not.toBe("");
    await app.server.api(token, "PATCH", "/me", { display_name: "Eve Two" });
    await fay.page.reload();
    await shows(fay.page, "colours stay");
    await expect.poll(() => message(fay.page, "colours stay").locator(".sender").textContent()).toBe("Eve Two");
    expect(await hue()).toBe(before);
    await fay.context.close();
  });

  test("deleting a room is asked inside the app, and waits for the room's name typed exactly", async () => {
    const gus = await signUp(app.browser, app.server, "gus");
    let native = false;
    gus.page.on("dialog", (d) => {
      native = true;
      void d.dismiss();
    });
    await createRoom(gus.page, "scratch");
    await gus.page.getByRole("button", { name: "Settings", exact: true }).click();
    await gus.page.getByRole("dialog").getByRole("button", { name: "Delete room" }).click();
    const asked = gus.page.getByRole("dialog", { name: "Delete scratch?" });
    const go = asked.getByRole("button", { name: "Delete room" });
    expect(await go.isDisabled()).toBe(true);
    await asked.getByLabel("Type the room's name to confirm").fill("scratc");
    expect(await go.isDisabled()).toBe(true);
    await asked.getByLabel("Type the room's name to confirm").fill("scratch");
    await go.click();
    await gus.page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: /scratch/ }).waitFor({ state: "detached" });
    expect(native).toBe(false);
    await gus.context.close();
  });

  test("headings, tables and task lists show formatted; a reply quotes its parent as text", async () => {
    const ivy = await signUp(app.browser, app.server, "ivy");
    await expect.poll(() => new URL(ivy.page.url()).pathname).toMatch(/^\/r\/\d+$/);
    const general = new URL(ivy.page.url()).pathname.split("/")[2];
    const token = await app.server.register("jon");
    await app.server.api(token, "POST", `/rooms/${general}/join`).catch(() => undefined);
    const body = "## Plan\n\n| step | owner |\n|-|-|\n| ship | jon |\n\n- [ ] write notes\n- [x] tag release";
    await app.server.api(token, "POST", `/rooms/${general}/messages`, { body });
    await shows(ivy.page, "write notes");
    const plan = message(ivy.page, "write notes");
    expect(await plan.locator("h2").textContent()).toBe("Plan");
    expect(await plan.locator("table th").allTextContents()).toEqual(["step", "owner"]);
    expect(await plan.locator("table td").allTextContents()).toEqual(["ship", "jon"]);
    expect(await plan.locator("li").allTextContents()).toEqual(["☐ write notes", "☑ tag release"]);
    expect(await plan.locator(".body input, .body [style]").count()).toBe(0);

    const kickoff = await app.server.api(token, "POST", `/rooms/${general}/messages`, { body: "**Kickoff** :tada:" });
    await app.server.api(token, "POST", `/rooms/${general}/messages`, { body: "see above", reply_to: kickoff.id });
    await shows(ivy.page, "see above");
    const quote = message(ivy.page, "see above").locator(".reply-quote");
    await expect.poll(() => quote.textContent()).toContain("Kickoff 🎉");
    expect(await quote.textContent()).not.toContain("**");
    await ivy.context.close();
  });

  test("a question left open when the session ends is cancelled, not shown to the next sign-in", async () => {
    const oz = await signUp(app.browser, app.server, "ozzy");
    const page = oz.page;
    await send(page, "keep me");
    await shows(page, "keep me");
    await action(page, "keep me", "Delete");
    await page.getByRole("dialog", { name: "Delete this message?" }).waitFor();
    // The session ends elsewhere (this one's cookie, from another tab): the screen signs out.
    await page.evaluate(() => fetch("/api/v1/auth/logout", { method: "POST" }));
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await page.getByLabel("Username").fill("ozzy");
    await page.getByLabel("Password").fill("correct horse");
    await page.getByRole("button", { name: "Sign in" }).click();
    await composer(page).waitFor();
    await shows(page, "keep me");
    expect(await page.getByRole("dialog", { name: "Delete this message?" }).count()).toBe(0);
    await oz.context.close();
  });
});
