// Keyboard use and desktop notifications.

import { expect, test } from "vitest";
import { desktop, send, setup, shows, signUp } from "./harness";

const app = setup();

test("everything is reachable by keyboard: create a room and write in it without a mouse", async () => {
  const { context, page } = await signUp(app.browser, app.server, "keys");
  await page.locator("body").focus();
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press("Tab");
    found = await page.evaluate(() => document.activeElement?.getAttribute("aria-label") === "Create a room");
  }
  expect(found).toBe(true);
  await page.keyboard.press("Enter");
  // The dialog takes focus; Escape closes it, and it can be opened again.
  await page.getByRole("dialog", { name: "Create a room" }).waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("dialog", { name: "Create a room" }).waitFor({ state: "hidden" });
  await page.getByRole("button", { name: "Create a room" }).focus();
  await page.keyboard.press("Enter");
  // The dialog puts the focus in its first field.
  const nameHasFocus = () =>
    page.getByLabel("Name", { exact: true }).evaluate((el) => el === document.activeElement);
  await expect.poll(nameHasFocus).toBe(true);
  await page.keyboard.type("keyboard-room");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /keyboard-room/ }).waitFor();
  await page.getByRole("textbox", { name: "Message" }).focus();
  await page.keyboard.type("typed, not clicked");
  await page.keyboard.press("Enter");
  await shows(page, "typed, not clicked");
  await context.close();
});

test("with notifications allowed, a DM to a hidden tab shows a desktop notification; room messages do not", async () => {
  const prepare = async (page: import("playwright-core").Page) => {
    await page.context().grantPermissions(["notifications"], { origin: app.server.url });
    // Headless Chromium has no real desktop to show notifications on, and its tab is never
    // hidden: record what the client asks for, and report the tab as hidden.
    await page.addInitScript(() => {
      const w = window as unknown as { __notes: string[][]; Notification: typeof Notification };
      const Real = w.Notification;
      w.__notes = [];
      class Recording extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          w.__notes.push([title, options?.body ?? ""]);
        }
      }
      Object.defineProperty(Recording, "permission", { get: () => Real.permission });
      w.Notification = Recording as unknown as typeof Notification;
      Object.defineProperty(document, "hidden", { get: () => true });
    });
  };
  const quinn = await signUp(app.browser, app.server, "quinn", desktop, prepare);
  const rita = await signUp(app.browser, app.server, "rita");

  await quinn.page.getByRole("button", { name: "Profile and settings" }).click();
  const toggle = quinn.page.getByRole("checkbox", { name: /Desktop notifications/ });
  expect(await toggle.isChecked()).toBe(false);
  await toggle.check();
  await quinn.page.keyboard.press("Escape");

  await send(rita.page, "room chatter");
  await shows(quinn.page, "room chatter");
  await rita.page.getByRole("button", { name: "New direct message" }).click();
  await rita.page.getByLabel("Search people by username").fill("quinn");
  await rita.page.getByRole("checkbox", { name: /quinn/ }).check();
  await rita.page.getByRole("button", { name: "Start conversation" }).click();
  await rita.page.getByRole("heading", { name: /quinn/ }).waitFor();
  await send(rita.page, "psst, quinn");
  await quinn.page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: /rita, 1 unread/ }).waitFor();
  const notes = () => quinn.page.evaluate(() => (window as unknown as { __notes: string[][] }).__notes);
  await expect.poll(notes).toEqual([["rita", "psst, quinn"]]);
  await quinn.context.close();
  await rita.context.close();
});
