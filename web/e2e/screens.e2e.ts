// The layout at phone and desktop sizes, and the screenshots the README shows.

import { expect, test } from "vitest";
import { composer, desktop, phone, screenshotPath, send, setup, shows, signUp } from "./harness";

const app = setup();

async function noHorizontalScroll(page: import("playwright-core").Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

test("the sign-in screen, at desktop and phone sizes", async () => {
  for (const [name, options] of [["desktop", desktop], ["phone", phone]] as const) {
    const context = await app.browser.newContext(options);
    const page = await context.newPage();
    await page.goto(app.server.url);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.getByLabel("Username").fill("nobody");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong username or password." }).waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: screenshotPath(`sign-in-${name}.png`) });
    await context.close();
  }
});

test("the main screen at desktop size, light and dark", async () => {
  const alice = await signUp(app.browser, app.server, "alice");
  const bob = await signUp(app.browser, app.server, "bob");
  await bob.page.getByRole("button", { name: "Profile and settings" }).click();
  await bob.page.getByLabel("Display name").fill("Bob Builder");
  await bob.page.getByLabel("Status").fill("Fixing the roof");
  await bob.page.getByRole("button", { name: "Save profile" }).click();
  await bob.page.getByText("Profile saved.").waitFor();
  await bob.page.keyboard.press("Escape");

  await send(alice.page, "Morning! The release notes are at https://example.org/notes");
  await send(bob.page, "Thanks, reading them now.");
  await send(bob.page, "Two things first:\n1. the changelog\n2. the upgrade notes");
  await send(alice.page, "Great. Ship it after lunch?");
  await shows(bob.page, "Great. Ship it after lunch?");
  await shows(alice.page, "Thanks, reading them now.");
  await alice.page.getByRole("button", { name: "Create a room" }).click();
  await alice.page.getByLabel("Name", { exact: true }).fill("design");
  await alice.page.getByLabel("Topic (optional)").fill("Sketches and mockups");
  await alice.page.getByRole("button", { name: "Create room" }).click();
  await alice.page.getByRole("heading", { name: /design/ }).waitFor();
  await alice.page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: "general", exact: true }).click();
  await shows(alice.page, "Great. Ship it after lunch?");
  await composer(bob.page).pressSequentially("One more", { delay: 10 });
  await alice.page.getByText("Bob Builder is typing…").waitFor();
  await alice.page.getByRole("complementary", { name: "Members" }).getByText("Fixing the roof").waitFor();
  await noHorizontalScroll(alice.page);
  await alice.page.screenshot({ path: screenshotPath("main-desktop.png") });

  const dark = await app.browser.newContext({ ...desktop, colorScheme: "dark" });
  const page = await dark.newPage();
  await page.goto(app.server.url);
  await page.getByLabel("Username").fill("bob");
  await page.getByLabel("Password").fill("correct horse");
  await page.getByRole("button", { name: "Sign in" }).click();
  await shows(page, "Great. Ship it after lunch?");
  await page.screenshot({ path: screenshotPath("main-desktop-dark.png") });
  await dark.close();
  await alice.context.close();
  await bob.context.close();
});

test("the phone-sized layout has no horizontal scroll and puts the rooms in a drawer", async () => {
  const carol = await signUp(app.browser, app.server, "carol", phone);
  const long = `A very long word: ${"x".repeat(300)} and a long link https://example.org/${"y".repeat(200)}`;
  await send(carol.page, long);
  // Phones have no Shift key: Enter makes a new line, and the Send button sends.
  await composer(carol.page).fill("Short one");
  await composer(carol.page).press("Enter");
  await composer(carol.page).pressSequentially("from a phone");
  await carol.page.getByRole("button", { name: "Send" }).click();
  await shows(carol.page, "Short one\nfrom a phone");
  await noHorizontalScroll(carol.page);
  const nav = carol.page.getByRole("navigation", { name: "Rooms" });
  expect(await nav.isVisible()).toBe(false);
  await carol.page.screenshot({ path: screenshotPath("main-phone.png") });

  await carol.page.getByRole("button", { name: "Open rooms" }).click();
  await nav.getByRole("button", { name: "general", exact: true }).waitFor();
  await noHorizontalScroll(carol.page);
  await carol.page.screenshot({ path: screenshotPath("drawer-phone.png") });
  await carol.page.keyboard.press("Escape");
  await nav.waitFor({ state: "hidden" });
  await carol.context.close();
});
