// Running a community in the browser: signing up with an invite link, and what a closed server
// shows.

import { expect, test } from "vitest";
import { composer, connected, desktop, setup } from "./harness";

const app = setup();

test("an invite link fills in the sign-up form, and without one the server says why not", async () => {
  const root = await app.server.register("root");
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
