// Presence in a room too big for the server to announce everyone: the members panel asks.

import { describe, test } from "vitest";
import { setup, signUp } from "./harness";

// #general with three people counts as big: no one hears the others come and go unasked.
const app = setup({ NATTER_PRESENCE_ROOM_LIMIT: "2" });

describe("presence in a big room", () => {
  test("the members panel shows who is online by watching them, and who left", async () => {
    // Bob comes third, when the room is already big: alice can only learn of him by asking.
    await signUp(app.browser, app.server, "carol").then((c) => c.context.close());
    const alice = await signUp(app.browser, app.server, "alice");
    const bob = await signUp(app.browser, app.server, "bob");

    // The members panel is open by default on a wide screen.
    const members = alice.page.getByRole("complementary", { name: "Members" });
    const row = (name: string) => members.locator("li.member").filter({ hasText: `@${name}` });
    await row("carol").waitFor();
    await row("bob").getByText("online", { exact: true }).waitFor();
    await row("carol").getByText(/last seen|offline/).waitFor();

    await bob.context.close();
    await row("bob").getByText(/last seen|offline/).waitFor();
    await alice.context.close();
  });
});
