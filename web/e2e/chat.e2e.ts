// The web client end to end: the real binary, real Chromium, two or three people.

import { describe, expect, test } from "vitest";
import { composer, connected, count, desktop, log, offline, send, setup, shows, signUp } from "./harness";

const app = setup();

describe("chatting in the browser", () => {
  test("two users in two browsers chat live both ways, with typing and unread counts", async () => {
    const alice = await signUp(app.browser, app.server, "alice");
    const bob = await signUp(app.browser, app.server, "bob");

    await send(alice.page, "hello bob");
    await shows(bob.page, "hello bob");
    await send(bob.page, "hi alice, how are you?");
    await shows(alice.page, "hi alice, how are you?");

    // Shift+Enter makes a new line; Enter sends.
    await composer(bob.page).pressSequentially("first line");
    await composer(bob.page).press("Shift+Enter");
    await composer(bob.page).pressSequentially("second line");
    await composer(bob.page).press("Enter");
    await shows(alice.page, "second line");
    expect(await count(alice.page, "first line\nsecond line")).toBe(1);
    expect(await composer(bob.page).inputValue()).toBe("");

    // Typing shows on the other side while bob types, and goes away when he sends.
    await composer(bob.page).pressSequentially("typing", { delay: 20 });
    await alice.page.getByText("bob is typing…").waitFor();
    await composer(bob.page).press("Enter");
    await shows(alice.page, "typing");
    await alice.page.getByText("bob is typing…").waitFor({ state: "hidden" });

    // A message in a room alice is not looking at shows as unread in her sidebar and tab title.
    await alice.page.getByRole("button", { name: "Create a room" }).click();
    await alice.page.getByLabel("Name", { exact: true }).fill("elsewhere");
    await alice.page.getByRole("button", { name: "Create room" }).click();
    await alice.page.getByRole("heading", { name: /elsewhere/ }).waitFor();
    await send(bob.page, "while you were away");
    const nav = alice.page.getByRole("navigation", { name: "Rooms" });
    await nav.getByRole("button", { name: "general, 1 unread" }).waitFor();
    await expect.poll(() => alice.page.title()).toBe("(1) natter");
    await nav.getByRole("button", { name: "general, 1 unread" }).click();
    await shows(alice.page, "while you were away");
    await nav.getByRole("button", { name: "general", exact: true }).waitFor();
    await expect.poll(() => alice.page.title()).toBe("natter");

    // The members panel (open by default on a wide screen) shows both, with bob online.
    const members = alice.page.getByRole("complementary", { name: "Members" });
    await members.getByText("online", { exact: true }).first().waitFor();
    await members.getByText("@bob", { exact: true }).waitFor();

    await alice.context.close();
    await bob.context.close();
  });

  test("a DM between two users is invisible to a third", async () => {
    const dana = await signUp(app.browser, app.server, "dana");
    const erin = await signUp(app.browser, app.server, "erin");
    const frank = await signUp(app.browser, app.server, "frank");

    await dana.page.getByRole("button", { name: "New direct message" }).click();
    await dana.page.getByLabel("Search people by username").fill("eri");
    await dana.page.getByRole("checkbox", { name: /erin/ }).check();
    await dana.page.getByRole("button", { name: "Start conversation" }).click();
    await dana.page.getByRole("heading", { name: /erin/ }).waitFor();
    await send(dana.page, "the secret plan");
    await shows(dana.page, "the secret plan");

    // erin gets the DM live, with an unread count, and can answer.
    const erinNav = erin.page.getByRole("navigation", { name: "Rooms" });
    await erinNav.getByRole("button", { name: "dana, 1 unread" }).click();
    await shows(erin.page, "the secret plan");
    await send(erin.page, "my lips are sealed");
    await shows(dana.page, "my lips are sealed");

    // frank sees no such room, and his browser never received the text.
    const frankNav = frank.page.getByRole("navigation", { name: "Rooms" });
    await frankNav.getByRole("button", { name: "general", exact: true }).waitFor();
    expect(await frankNav.getByRole("button", { name: /dana|erin/ }).count()).toBe(0);
    expect(await frank.page.content()).not.toContain("secret plan");
    const rooms = await frank.page.evaluate(async () => (await fetch("/api/v1/rooms")).json());
    expect(JSON.stringify(rooms)).not.toContain("dana");

    for (const p of [dana, erin, frank]) await p.context.close();
  });

  test("a script payload in a message is shown as text and never runs", async () => {
    const mallory = await signUp(app.browser, app.server, "mallory");
    const victim = await signUp(app.browser, app.server, "victim");
    const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold?</b>`;
    await send(mallory.page, payload);
    await shows(victim.page, "<script>");
    expect(await count(victim.page, payload)).toBe(1);
    expect(await victim.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await log(victim.page).locator("img, script, b").count()).toBe(0);

    // Links in text become real links, and only http(s) ones.
    await send(mallory.page, "see https://example.org/docs?a=1. and javascript:alert(1)");
    await shows(victim.page, "see https://example.org/docs");
    const links = log(victim.page).getByRole("link");
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute("href")).toBe("https://example.org/docs?a=1");
    expect(await links.first().getAttribute("rel")).toBe("noopener noreferrer nofollow");

    await mallory.context.close();
    await victim.context.close();
  });

  test("older history loads as the user scrolls up", async () => {
    const token = await app.server.register("historian");
    const rooms = await app.server.api(token, "POST", "/rooms", { name: "archive", visibility: "public" });
    for (let i = 1; i <= 130; i++) {
      await app.server.api(token, "POST", `/rooms/${rooms.id}/messages`, { body: `archived message ${i}` });
    }
    const reader = await signUp(app.browser, app.server, "reader");
    await reader.page.getByRole("button", { name: "Browse public rooms" }).click();
    await reader.page.getByRole("button", { name: "Join archive" }).click();
    await shows(reader.page, "archived message 130");
    expect(await count(reader.page, "archived message 1")).toBe(0);
    for (let i = 0; i < 20 && (await count(reader.page, "archived message 1")) === 0; i++) {
      await log(reader.page).evaluate((el) => (el.scrollTop = 0));
      await reader.page.waitForTimeout(250);
    }
    await reader.page.getByText("This is the beginning of the room.").waitFor();
    // Pages join without a gap or a repeat; the page holds only a run of the room at a time.
    for (const i of [1, 50, 51, 100]) expect(await count(reader.page, `archived message ${i}`)).toBe(1);
    expect(await log(reader.page).locator("article").count()).toBeLessThanOrEqual(120);

    // Scrolled up, a new message does not yank the view down; a button offers to jump to it.
    const atBottom = () =>
      log(reader.page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 4);
    expect(await atBottom()).toBe(false);
    await app.server.api(token, "POST", `/rooms/${rooms.id}/messages`, { body: "fresh news" });
    await reader.page.getByRole("button", { name: "New messages ↓" }).click();
    await shows(reader.page, "fresh news");
    await expect.poll(atBottom).toBe(true);
    await reader.page.getByRole("button", { name: "New messages ↓" }).waitFor({ state: "hidden" });
    await reader.context.close();
  });
});

describe("when the network fails", () => {
  test("a send whose ack is lost to a dropped connection is resent after reconnecting and stored once", async () => {
    let dropAck = true;
    const kim = await signUp(app.browser, app.server, "kim", desktop, (page) =>
      page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((msg) => {
          if (dropAck && typeof msg === "string" && JSON.parse(msg).type === "ack") {
            // The server stored the message, but the connection dies before its ack arrives.
            dropAck = false;
            void ws.close({ code: 4999, reason: "simulated network drop" });
            return;
          }
          ws.send(msg);
        });
      }),
    );
    const lee = await signUp(app.browser, app.server, "lee");
    await send(kim.page, "did this arrive?");
    await shows(kim.page, "did this arrive?");
    await shows(lee.page, "did this arrive?");
    expect(dropAck).toBe(false);
    await connected(kim.page);
    expect(await count(kim.page, "did this arrive?")).toBe(1);
    expect(await count(lee.page, "did this arrive?")).toBe(1);
    await lee.page.reload();
    await shows(lee.page, "did this arrive?");
    expect(await count(lee.page, "did this arrive?")).toBe(1);
    await kim.context.close();
    await lee.context.close();
  });

  test("a refused send offers a retry, which reuses its client_id and is stored once", async () => {
    const clientIds: string[] = [];
    const mia = await signUp(app.browser, app.server, "mia", desktop, (page) =>
      page.routeWebSocket(/\/api\/v1\/ws$/, (ws) => {
        const upstream = ws.connectToServer();
        ws.onMessage((msg) => {
          const frame = typeof msg === "string" ? JSON.parse(msg) : {};
          if (frame.type === "send") {
            clientIds.push(frame.client_id);
            if (clientIds.length === 1) {
              ws.send(JSON.stringify({ type: "error", code: "internal", message: "simulated failure", client_id: frame.client_id }));
              return;
            }
          }
          upstream.send(msg);
        });
      }),
    );
    const ned = await signUp(app.browser, app.server, "ned");
    await send(mia.page, "second time lucky");
    await log(mia.page).getByText("Not sent: simulated failure").waitFor();
    await log(mia.page).getByRole("button", { name: "Retry" }).click();
    await shows(mia.page, "second time lucky");
    await shows(ned.page, "second time lucky");
    expect(clientIds).toHaveLength(2);
    expect(clientIds[1]).toBe(clientIds[0]);
    expect(await count(mia.page, "second time lucky")).toBe(1);
    expect(await count(ned.page, "second time lucky")).toBe(1);
    await mia.context.close();
    await ned.context.close();
  });
});

describe("when the server goes away", () => {
  test("history survives a restart and the page resyncs without a reload or duplicates", async () => {
    const gina = await signUp(app.browser, app.server, "gina");
    const hank = await signUp(app.browser, app.server, "hank");
    await send(gina.page, "before the restart 1");
    await send(gina.page, "before the restart 2");
    await shows(hank.page, "before the restart 2");

    await app.server.stop();
    await offline(gina.page);
    await app.server.run(app.server.port);
    await connected(gina.page);
    await connected(hank.page);

    await send(hank.page, "after the restart");
    await shows(gina.page, "after the restart");
    for (const page of [gina.page, hank.page]) {
      for (const text of ["before the restart 1", "before the restart 2", "after the restart"]) {
        expect(await count(page, text)).toBe(1);
      }
    }
    await gina.page.reload();
    await shows(gina.page, "after the restart");
    for (const text of ["before the restart 1", "before the restart 2", "after the restart"]) {
      expect(await count(gina.page, text)).toBe(1);
    }
    await gina.context.close();
    await hank.context.close();
  });

  test("a message typed while the server is down is delivered once it returns", async () => {
    const ivan = await signUp(app.browser, app.server, "ivan");
    const judy = await signUp(app.browser, app.server, "judy");

    await app.server.stop();
    await offline(ivan.page);
    await send(ivan.page, "sent while you were down");
    await log(ivan.page).getByText("Waiting for connection…").waitFor();

    await app.server.run(app.server.port);
    await shows(ivan.page, "sent while you were down");
    await shows(judy.page, "sent while you were down");
    await log(ivan.page).getByText("Waiting for connection…").waitFor({ state: "hidden" });
    expect(await count(ivan.page, "sent while you were down")).toBe(1);
    expect(await count(judy.page, "sent while you were down")).toBe(1);

    // And it was stored exactly once.
    await judy.page.reload();
    await shows(judy.page, "sent while you were down");
    expect(await count(judy.page, "sent while you were down")).toBe(1);
    await ivan.context.close();
    await judy.context.close();
  });
});
