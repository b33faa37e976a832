// Writing: @-mention completion, Up to edit your last message, and drafts that survive a reload.
// Real Chromium against the real binary.

import { describe, expect, test } from "vitest";
import { composer, connected, send, setup, shows, signUp } from "./harness";

const app = setup();

describe("the message box", () => {
  test("@ offers the room's members; arrows choose, Enter completes, Escape dismisses", async () => {
    await signUp(app.browser, app.server, "root"); // the first account is the admin; uma is not
    const uma = await signUp(app.browser, app.server, "uma");
    for (const [name, display] of [["vic", "Victor Hugo"], ["vivian", "Viv"], ["walt", "Walter"]] as const) {
      const token = await app.server.register(name);
      await app.server.api(token, "PATCH", "/me", { display_name: display });
    }
    // They joined general on sign-up; uma's members list loads when the room opens.
    await uma.page.reload();
    await connected(uma.page);
    const box = composer(uma.page);
    const list = uma.page.getByRole("listbox", { name: "People to mention" });
    await box.pressSequentially("thanks @vi");
    await expect.poll(() => list.getByRole("option").allTextContents()).toEqual(["Victor Hugo @vic", "Viv @vivian"]);
    // @room is for the room's staff: uma is not offered it.
    expect(await list.getByText("everyone in the room").count()).toBe(0);
    await box.press("ArrowDown");
    expect(await list.getByRole("option").nth(1).getAttribute("aria-selected")).toBe("true");
    await box.press("Enter");
    expect(await box.inputValue()).toBe("thanks @vivian ");
    await list.waitFor({ state: "detached" });
    // A display name's word finds its person too.
    await box.pressSequentially("and @hug");
    await expect.poll(() => list.getByRole("option").allTextContents()).toEqual(["Victor Hugo @vic"]);
    await box.press("Escape");
    await list.waitFor({ state: "detached" });
    await box.press("Enter"); // with the list gone, Enter sends
    await shows(uma.page, "thanks @vivian and @hug");
    // The completed name is a username, so the server resolved it into a mention of vivian.
    const general = new URL(uma.page.url()).pathname.split("/")[2];
    const stored = await uma.page.evaluate(async (room) => {
      const page = await (await fetch(`/api/v1/rooms/${room}/messages`)).json();
      return page.messages.find((m: { body: string }) => m.body.startsWith("thanks @vivian"));
    }, general);
    const vivian = await uma.page.evaluate(async () => (await (await fetch("/api/v1/users?query=vivian")).json()));
    const vivianId = (Array.isArray(vivian) ? vivian : vivian.users)[0].id;
    expect(stored.mentions).toEqual([vivianId]);
    await uma.context.close();
  });

  test("Up in an empty box edits your last message; a draft survives a reload", async () => {
    const xia = await signUp(app.browser, app.server, "xia");
    await send(xia.page, "first try");
    await shows(xia.page, "first try");
    await send(xia.page, "second try");
    await shows(xia.page, "second try");
    const box = composer(xia.page);
    await box.press("ArrowUp");
    const edit = xia.page.getByRole("textbox", { name: "Edit message" });
    await expect.poll(() => edit.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await edit.inputValue()).toBe("second try");
    await edit.press("End");
    await edit.pressSequentially(", fixed");
    await edit.press("Enter");
    await shows(xia.page, "second try, fixed");
    await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);

    await box.fill("a thought I have not finished");
    await xia.page.reload();
    await connected(xia.page);
    await expect.poll(() => composer(xia.page).inputValue()).toBe("a thought I have not finished");
    await send(xia.page, "a thought I have not finished, now sent");
    await shows(xia.page, "a thought I have not finished, now sent");
    await xia.page.reload();
    await connected(xia.page);
    expect(await composer(xia.page).inputValue()).toBe("");
    await xia.context.close();
  });
});
