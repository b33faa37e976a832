// Running a community in the browser: signing up with an invite link, and what a closed server
// shows.

import { beforeAll, expect, test } from "vitest";
import { composer, connected, desktop, phone, screenshotPath, setup } from "./harness";

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

/** Signs `username` in through the form, in a new context of the given size. */
async function signIn(username: string, options = desktop) {
  const context = await app.browser.newContext(options);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${username}] page error:`, e));
  await page.goto(app.server.url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("correct horse");
  await page.getByLabel("Password").press("Enter");
  await composer(page).waitFor();
  await connected(page);
  return { context, page };
}

test("an admin deactivates someone, makes an invite and reads the audit log in the Administration area", async () => {
  await app.server.api(root, "PATCH", "/admin/settings", { registration: "open" });
  const victim = await app.server.register("troublemaker");
  const { context, page } = await signIn("root");
  await page.getByRole("button", { name: "Administration" }).click();
  await page.getByRole("heading", { name: "Administration" }).waitFor();

  await page.getByLabel("Find people").fill("trouble");
  const card = page.getByRole("listitem", { name: "troublemaker" });
  await card.waitFor();
  await card.getByRole("button", { name: "Deactivate" }).click();
  const asked = page.getByRole("dialog", { name: "Deactivate troublemaker?" });
  await asked.getByLabel("Reason (optional)").fill("spamming the lobby");
  await asked.getByRole("button", { name: "Deactivate" }).click();
  await card.getByText("deactivated").waitFor();
  const me = await fetch(`${app.server.url}/api/v1/me`, { headers: { authorization: `Bearer ${victim}` } });
  expect(me.status).toBe(401);

  await page.getByRole("tab", { name: "Invites" }).click();
  await page.getByLabel("Uses").fill("3");
  await page.getByRole("button", { name: "Create invite" }).click();
  const link = await page.getByLabel("Invite link").inputValue();
  expect(link).toMatch(/\/\?invite=[0-9a-f]{64}$/);
  await page.getByRole("listitem", { name: /Invite \d+/ }).first().getByText("0 of 3 used").waitFor();

  await page.getByRole("tab", { name: "Audit log" }).click();
  const entry = page.getByRole("listitem", { name: /user_deactivated/ });
  await entry.getByText("spamming the lobby").waitFor();
  await page.getByLabel("Kind").selectOption("invite_created");
  await page.getByRole("listitem", { name: /invite_created/ }).first().waitFor();
  await page.getByRole("listitem", { name: /user_deactivated/ }).waitFor({ state: "detached" });

  await page.getByRole("tab", { name: "Settings" }).click();
  expect(await page.getByRole("checkbox", { name: "#general" }).isChecked()).toBe(true);
  await page.getByLabel("Server name").fill("Matrix Club");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Settings saved.").waitFor();
  await page.getByRole("tab", { name: "Users" }).click();
  await page.screenshot({ path: screenshotPath("admin-desktop.png") });
  await context.close();

  // On a phone: reached through the drawer, nothing wider than the screen.
  const phoneAdmin = await signIn("root", phone);
  await phoneAdmin.page.getByRole("button", { name: "Open rooms" }).click();
  await phoneAdmin.page.getByRole("button", { name: "Administration" }).click();
  await phoneAdmin.page.getByRole("listitem", { name: "troublemaker" }).waitFor();
  const width = await phoneAdmin.page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(width.scroll).toBeLessThanOrEqual(width.client);
  await phoneAdmin.page.screenshot({ path: screenshotPath("admin-phone.png") });
  await phoneAdmin.context.close();
});

test("an owner sets slow mode and archives a room in its settings, and kicks a member from the members list", async () => {
  await app.server.api(root, "PATCH", "/admin/settings", { registration: "open" });
  const ownerToken = await app.server.register("roomowner");
  const memberToken = await app.server.register("roommember");
  const room = await app.server.api(ownerToken, "POST", "/rooms", { name: "garden", visibility: "public" });
  await app.server.api(memberToken, "POST", `/rooms/${room.id}/join`);

  const member = await signIn("roommember");
  await member.page.getByRole("button", { name: "garden" }).click();
  const owner = await signIn("roomowner");
  await owner.page.getByRole("button", { name: "garden" }).click();
  await owner.page.getByRole("button", { name: "Settings", exact: true }).click();
  const dialog = owner.page.getByRole("dialog", { name: "Room settings: garden" });
  await dialog.getByLabel("Slow mode").fill("30");
  await dialog.getByRole("button", { name: "Save room settings" }).click();
  await dialog.getByText("Saved.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();

  // Kick from the members list: the member's browser loses the room at once.
  // The members list is open beside the room at desktop width.
  await owner.page.getByLabel("Moderate roommember").click();
  await owner.page.getByRole("button", { name: "Kick" }).click();
  // They leave the members list, and their browser loses the room at once.
  await owner.page.getByLabel("Moderate roommember").waitFor({ state: "detached" });
  await member.page.getByRole("button", { name: "garden" }).waitFor({ state: "detached" });

  await owner.page.getByRole("button", { name: "Settings", exact: true }).click();
  await dialog.getByLabel("Archived").check();
  await dialog.getByRole("button", { name: "Save room settings" }).click();
  await dialog.getByText("Saved.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await owner.page.getByText("This room is archived").waitFor();
  const found = await app.server.api(ownerToken, "GET", `/rooms/${room.id}`);
  expect(found.slow_mode_secs).toBe(30);
  expect(found.archived).toBe(true);
  await owner.context.close();
  await member.context.close();
});
