// Running a community in the browser: signing up with an invite link, and what a closed server
// shows.

import { beforeAll, expect, test } from "vitest";
import { composer, connected, desktop, setup } from "./harness";

const app = setup();
// The first account on the server: its admin.
let root = "";
beforeAll(async () => {
  root = await app.server.register("root");
});

test("an invite link fills in the sign-up form, and without one the server says why not", async () => {
  await app.server.api(root, "PATCH", "/admin/settings", { registration: "invite", server_name: "Team chat" });
  const invite = await app.server.api(root, "POST", "/invites", { max_uses: 1 });

  const context = await app.browser.newContext(desktop);
  const page = await context.newPage();
  await page.goto(`${app.server.url}/?invite=${invite.token}`);
  await page.getByRole("heading", { name: "Team chat" }).waitFor();
  const field = page.getByLabel("Invite link or code");
  expect(await field.inputValue()).toBe(invite.token);
  await page.getByLabel("Username").fill("invited");
  await page.getByLabel("Password").fill("correct horse");
  await page.getByRole("button", { name: "Create account" }).click();
  await composer(page).waitFor();
  await connected(page);
  expect(new URL(page.url()).search).toBe("");
  await context.close();

  // The invite is used up; a plain visit shows the field empty and the server's reason.
  const other = await app.browser.newContext(desktop);
  const again = await other.newPage();
  await again.goto(app.server.url);
  await again.getByLabel("Invite link or code").waitFor();
  await again.getByLabel("Username").fill("uninvited");
  await again.getByLabel("Password").fill("correct horse");
  await again.getByRole("button", { name: "Create account" }).click();
  await again.getByRole("alert").filter({ hasText: "invite" }).waitFor();
  await again.getByLabel("Invite link or code").fill(`${app.server.url}/?invite=${invite.token}`);
  await again.getByRole("button", { name: "Create account" }).click();
  await again.getByRole("alert").filter({ hasText: "not valid" }).waitFor();

  // Closed: nothing to sign up with.
  await app.server.api(root, "PATCH", "/admin/settings", { registration: "closed" });
  await again.reload();
  await again.getByText("New accounts are created by an admin.").waitFor();
  expect(await again.getByRole("button", { name: "Create account" }).count()).toBe(0);
  await other.close();
});

test("a password reset link sets a new password once, then signing in works with it", async () => {
  await app.server.api(root, "PATCH", "/admin/settings", { registration: "open" });
  await app.server.register("forgetful", "old password 1");
  const [me] = (await app.server.api(root, "GET", "/admin/users?query=forgetful")).users;
  const link = await app.server.api(root, "POST", `/admin/users/${me.user.id}/password-reset`);

  const context = await app.browser.newContext(desktop);
  const page = await context.newPage();
  await page.goto(`${app.server.url}/?reset=${link.token}`);
  await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
  await page.getByLabel("New password", { exact: true }).fill("new password 2");
  await page.getByLabel("New password again").fill("typo password 2");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByRole("alert").filter({ hasText: "differ" }).waitFor();
  await page.getByLabel("New password again").fill("new password 2");
  await page.getByRole("button", { name: "Set password" }).click();
  await page.getByText("Your password is changed.").waitFor();
  expect(new URL(page.url()).search).toBe("");
  await page.getByLabel("Username").fill("forgetful");
  await page.getByLabel("Password").fill("new password 2");
  await page.getByLabel("Password").press("Enter");
  await composer(page).waitFor();
  await context.close();
});
