// Rich messaging end to end: formatting, edits, deletes, reactions, replies, threads, mentions,
// read state across devices, pins, search and blocking, in real Chromium against the real binary.

import { describe, expect, test } from "vitest";
import { action, composer, connected, createRoom, desktop, log, message, nav, send, setup, shows, signUp, type Server } from "./harness";

const app = setup();



async function signIn(server: Server, username: string) {
  const context = await app.browser.newContext(desktop);
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("correct horse");
  await page.getByRole("button", { name: "Sign in" }).click();
  await composer(page).waitFor();
  await connected(page);
  return { context, page };
}



describe("rich messages", () => {
  test("Markdown shows formatted and safe; edits, deletes and reactions reach the other browser live", async () => {
    const alice = await signUp(app.browser, app.server, "alice");
    const bob = await signUp(app.browser, app.server, "bob");
    let alerted = false;
    bob.page.on("dialog", (d) => {
      alerted = true;
      void d.dismiss();
    });

    await send(alice.page, "**bold** and `code` <img src=x onerror=alert(1)> [click](javascript:alert(1)) https://example.com/x");
    await shows(bob.page, "bold and code");
    const m = message(bob.page, "bold and code");
    expect(await m.locator(".body strong").textContent()).toBe("bold");
    expect(await m.locator(".body code").textContent()).toBe("code");
    expect(await m.locator("img").count()).toBe(0);
    expect(await m.getByText("<img src=x onerror=alert(1)>").count()).toBe(1);
    // The javascript: link keeps its text but loses its target; the web link stays a link.
    const hrefs = await m.locator("a").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.getAttribute("rel")]));
    expect(hrefs).toEqual([
      [null, "noopener noreferrer nofollow"],
      ["https://example.com/x", "noopener noreferrer nofollow"],
    ]);

    await action(alice.page, "bold and code", "Edit");
    const edit = alice.page.getByRole("textbox", { name: "Edit message" });
    await edit.fill("**bold** and better");
    await edit.press("Enter");
    await shows(bob.page, "bold and better");
    await message(bob.page, "bold and better").getByText("(edited)").waitFor();

    await action(bob.page, "bold and better", "Add reaction");
    await bob.page.getByRole("button", { name: "React 🎉" }).click();
    const reaction = message(alice.page, "bold and better").getByRole("button", { name: "🎉 1: bob" });
    await reaction.waitFor();
    await reaction.click();
    await message(bob.page, "bold and better").getByRole("button", { name: "🎉 2: bob, alice" }).waitFor();
    // The same person and emoji again takes it back.
    await message(bob.page, "bold and better").getByRole("button", { name: "🎉 2: bob, alice" }).click();
    await message(alice.page, "bold and better").getByRole("button", { name: "🎉 1: alice" }).waitFor();

    await action(alice.page, "bold and better", "Delete");
    // Asked inside the app, with a button named for what it does; Cancel would keep it.
    const asked = alice.page.getByRole("dialog", { name: "Delete this message?" });
    await asked.getByRole("button", { name: "Cancel" }).click();
    await asked.waitFor({ state: "detached" });
    expect(await log(alice.page).getByText("bold and better").count()).toBe(1);
    await action(alice.page, "bold and better", "Delete");
    await alice.page.getByRole("dialog", { name: "Delete this message?" }).getByRole("button", { name: "Delete" }).click();
    await log(bob.page).getByText("This message was deleted.").waitFor();
    expect(await log(bob.page).getByText("bold and better").count()).toBe(0);
    expect(alerted).toBe(false);

    await alice.context.close();
    await bob.context.close();
  });

  test("replies quote and jump to their parent, threads collect them, and mentions are highlighted and counted", async () => {
    const carol = await signUp(app.browser, app.server, "carol");
    const dave = await signUp(app.browser, app.server, "dave");
    await createRoom(dave.page, "side");

    await send(carol.page, "question for @dave about the release");
    await nav(dave.page).getByRole("button", { name: "general, 1 unread, 1 mention" }).waitFor();
    await nav(dave.page).getByRole("button", { name: /^general/ }).click();
    await shows(dave.page, "question for @dave");
    await expect.poll(() => message(dave.page, "question for @dave").getAttribute("class")).toContain("mentioned");
    await log(dave.page).getByRole("separator", { name: "New messages" }).waitFor();

    await action(dave.page, "question for @dave", "Reply");
    await dave.page.getByRole("status").filter({ hasText: "Replying to" }).waitFor();
    await send(dave.page, "the answer is friday");
    await shows(carol.page, "the answer is friday");
    const quote = message(carol.page, "the answer is friday").getByRole("button", { name: /question for @dave/ });
    await quote.click();
    await expect.poll(() => message(carol.page, "question for @dave").getAttribute("class")).toContain("flash");

    const root = message(carol.page, "question for @dave");
    await root.getByRole("button", { name: /1 reply/ }).click();
    const thread = carol.page.getByRole("complementary", { name: "Thread" });
    await thread.getByText("the answer is friday").waitFor();
    const reply = thread.getByRole("textbox", { name: "Reply in thread" });
    await reply.fill("thanks, noted");
    await reply.press("Enter");
    await thread.getByText("thanks, noted").waitFor();
    await message(dave.page, "question for @dave").getByRole("button", { name: /2 replies/ }).waitFor();

    await carol.context.close();
    await dave.context.close();
  });

  test("read state follows the user to their other browser; pins and search jump into history", async () => {
    const erin = await signUp(app.browser, app.server, "erin");
    await createRoom(erin.page, "ops");
    const second = await signIn(app.server, "erin");
    await nav(second.page).getByRole("button", { name: /^ops/ }).click();
    await second.page.getByRole("heading", { name: /ops/ }).waitFor();
    const frank = await signUp(app.browser, app.server, "frank");

    await send(frank.page, "standup in five");
    await nav(erin.page).getByRole("button", { name: "general, 1 unread" }).waitFor();
    await nav(second.page).getByRole("button", { name: "general, 1 unread" }).waitFor();
    await nav(erin.page).getByRole("button", { name: /^general/ }).click();
    await shows(erin.page, "standup in five");
    // Read in one browser, read in the other.
    await nav(second.page).getByRole("button", { name: "general", exact: true }).waitFor();

    await nav(erin.page).getByRole("button", { name: /^ops/ }).click();
    await send(erin.page, "deploy the frobnicator on friday");
    for (let i = 0; i < 60; i++) await send(erin.page, `filler ${i}`);
    await shows(erin.page, "filler 59");
    await erin.page.getByRole("button", { name: "Pins", exact: true }).click();
    const pins = erin.page.getByRole("complementary", { name: "Pinned messages" });
    await pins.getByText("Nothing is pinned").waitFor();
    await log(erin.page).evaluate((el) => (el.scrollTop = 0));
    await shows(erin.page, "deploy the frobnicator");
    await action(erin.page, "deploy the frobnicator", "Pin");
    await pins.getByText("deploy the frobnicator on friday").waitFor();

    await erin.page.getByRole("button", { name: "Search", exact: true }).click();
    const search = erin.page.getByRole("complementary", { name: "Search" });
    await search.getByRole("searchbox", { name: "Search messages" }).fill("frobnic");
    await search.getByRole("button", { name: "Search", exact: true }).click();
    const hit = search.getByRole("button", { name: /deploy the frobnicator/ });
    await hit.waitFor();
    expect(await hit.locator("mark").first().textContent()).toBe("frobnicator");
    // Frank's room is no place erin can search, and her own words in it are found.
    await search.getByRole("searchbox", { name: "Search messages" }).fill("standup");
    await search.getByRole("button", { name: "Search", exact: true }).click();
    await search.getByRole("button", { name: /standup in five/ }).waitFor();
    await search.getByRole("searchbox", { name: "Search messages" }).fill("frobnicator");
    await search.getByRole("button", { name: "Search", exact: true }).click();
    await log(erin.page).evaluate((el) => (el.scrollTop = el.scrollHeight));
    await search.getByRole("button", { name: /deploy the frobnicator/ }).click();
    await expect.poll(() => message(erin.page, "deploy the frobnicator").getAttribute("class")).toContain("flash");

    await erin.context.close();
    await second.context.close();
    await frank.context.close();
  });

  test("a blocked user's messages are collapsed and they can no longer write to the DM", async () => {
    const gina = await signUp(app.browser, app.server, "gina");
    const hank = await signUp(app.browser, app.server, "hank");

    await send(hank.page, "hello from hank in general");
    await shows(gina.page, "hello from hank in general");
    const members = gina.page.getByRole("complementary", { name: "Members" });
    await members.getByRole("button", { name: "Block hank" }).click();
    await gina.page.getByRole("dialog", { name: "Block hank?" }).getByRole("button", { name: "Block" }).click();
    await members.getByRole("button", { name: "Unblock hank" }).waitFor();
    await log(gina.page).getByText("Message from someone you blocked.").waitFor();
    expect(await log(gina.page).getByText("hello from hank in general").count()).toBe(0);
    await log(gina.page).getByRole("button", { name: "Show" }).click();
    await shows(gina.page, "hello from hank in general");

    const hankToken = await (await fetch(`${app.server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "hank", password: "correct horse" }),
    }).then((r) => r.json())).token;
    const users = await app.server.api(hankToken, "GET", "/users?query=gina");
    const ginaId = users.users.find((u: { username: string }) => u.username === "gina").id;
    const refused = await fetch(`${app.server.url}/api/v1/dms`, {
      method: "POST",
      headers: { authorization: `Bearer ${hankToken}`, "content-type": "application/json" },
      body: JSON.stringify({ user_ids: [ginaId] }),
    });
    expect(refused.status).toBe(403);

    await gina.context.close();
    await hank.context.close();
  });
});
