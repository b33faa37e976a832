// Accounts in the browser: clear errors, profile, password change, sign out, sessions.

import { expect, test } from "vitest";
import { connected, desktop, setup, signUp } from "./harness";

const app = setup();

test("the sign-in screen explains taken usernames, short passwords and wrong passwords", async () => {
  await app.server.register("taken");
  const context = await app.browser.newContext(desktop);
  const page = await context.newPage();
  await page.goto(app.server.url);
  const alert = page.getByRole("alert");

  await page.getByLabel("Username").fill("taken");
  await page.getByLabel("Password").fill("long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await alert.filter({ hasText: "That username is taken." }).waitFor();

  await page.getByLabel("Username").fill("newcomer");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await alert.filter({ hasText: "at least 8 characters" }).waitFor();

  await page.getByLabel("Username").fill("taken");
  await page.getByLabel("Password").fill("wrong password");
  await page.getByLabel("Password").press("Enter");
  await alert.filter({ hasText: "Wrong username or password." }).waitFor();

  await page.getByLabel("Username").fill("bad name!");
  await page.getByLabel("Password").fill("long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await alert.filter({ hasText: "Usernames are 3 to 32 characters" }).waitFor();
  await context.close();
});

test("a user changes their password, signs out, and signs back in with the new one", async () => {
  const { context, page } = await signUp(app.browser, app.server, "olga");
  // A second session of the same user, which the password change signs out.
  const second = await app.browser.newContext(desktop);
  const secondPage = await second.newPage();
  await secondPage.goto(app.server.url);
  await secondPage.getByLabel("Username").fill("olga");
  await secondPage.getByLabel("Password").fill("correct horse");
  await secondPage.getByRole("button", { name: "Sign in" }).click();
  await connected(secondPage);

  await page.getByRole("button", { name: "Profile and settings" }).click();
  await page.getByLabel("Current password").fill("not it at all");
  await page.getByLabel("New password", { exact: true }).fill("battery staple");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("alert").filter({ hasText: "The current password is wrong." }).waitFor();
  await page.getByLabel("Current password").fill("correct horse");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Password changed.").waitFor();

  // The other browser's session ended: it is sent back to the sign-in screen.
  await secondPage.getByRole("button", { name: "Sign in" }).waitFor();
  await secondPage.getByText("Your session ended").waitFor();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.getByLabel("Username").fill("olga");
  await page.getByLabel("Password").fill("battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await connected(page);
  expect(await page.getByRole("button", { name: "Profile and settings" }).textContent()).toContain("olga");
  await context.close();
  await second.close();
});
