import { describe, expect, test } from "vitest";
import type { Message } from "./protocol";
import type { Pending } from "./state";
import { backoffDelay, GROUP_GAP_MS, layout, linkify } from "./timeline";

function msg(seq: number, sender: string, at: string): Message {
  return { id: `m${seq}`, room_id: "1", seq, sender_id: sender, body: `body ${seq}`, html: "", created_at: at };
}

describe("layout", () => {
  const now = new Date("2026-11-21T12:00:00");
  test("groups a sender's consecutive messages and starts a group on a new sender or a long gap", () => {
    const t0 = new Date("2026-11-21T10:00:00").getTime();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const rows = layout(
      [msg(1, "a", at(0)), msg(2, "a", at(60_000)), msg(3, "b", at(120_000)), msg(4, "b", at(120_000 + GROUP_GAP_MS + 1))],
      [],
      "me",
      now,
    );
    expect(rows.map((r) => (r.kind === "message" ? `${r.message.seq}:${r.first}` : r.kind))).toEqual([
      "day", "1:true", "2:false", "3:true", "4:true",
    ]);
  });

  test("puts the New messages line before the first unread message, which starts a group again", () => {
    const t0 = new Date("2026-11-21T10:00:00").getTime();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const messages = [msg(1, "a", at(0)), msg(2, "a", at(1_000)), msg(3, "a", at(2_000))];
    const rows = layout(messages, [], "me", now, 2);
    expect(rows.map((r) => (r.kind === "message" ? `${r.message.seq}:${r.first}` : r.kind))).toEqual([
      "day", "1:true", "unread", "2:true", "3:false",
    ]);
    expect(layout(messages, [], "me", now).some((r) => r.kind === "unread")).toBe(false);
  });

  test("puts a separator before each new day, labelled Today and Yesterday", () => {
    const rows = layout(
      [msg(1, "a", new Date("2026-11-19T23:59:00").toISOString()), msg(2, "a", new Date("2026-11-20T00:01:00").toISOString()), msg(3, "a", new Date("2026-11-21T08:00:00").toISOString())],
      [],
      "me",
      now,
    );
    const days = rows.filter((r) => r.kind === "day").map((r) => (r.kind === "day" ? r.label : ""));
    expect(days).toHaveLength(3);
    expect(days.slice(1)).toEqual(["Yesterday", "Today"]);
    // A new day always starts a new group, even from the same sender a minute later.
    expect(rows.filter((r) => r.kind === "message").every((r) => r.kind === "message" && r.first)).toBe(true);
  });

  test("pending sends come after stored messages and group with the user's own", () => {
    const at = new Date("2026-11-21T11:59:00");
    const pending: Pending = { clientId: "c1", roomId: "1", body: "hi", createdAt: at.getTime() + 1000, status: "queued" };
    const rows = layout([msg(1, "me", at.toISOString())], [pending], "me", now);
    expect(rows.map((r) => r.kind)).toEqual(["day", "message", "pending"]);
    expect(rows[2].kind === "pending" && rows[2].first).toBe(false);
  });
});

describe("linkify", () => {
  test("finds http and https links and leaves everything else as text", () => {
    expect(linkify("see https://example.org/a?b=1, then http://x.io.")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
      { kind: "text", text: ", then " },
      { kind: "link", text: "http://x.io", href: "http://x.io" },
      { kind: "text", text: "." },
    ]);
  });

  test("never links other schemes, and keeps markup as plain text", () => {
    const text = `javascript:alert(1) <a href="https://evil.example">x</a> data:text/html,hi`;
    const segs = linkify(text);
    expect(segs.filter((s) => s.kind === "link").map((s) => s.text)).toEqual(["https://evil.example"]);
    expect(segs.map((s) => s.text).join("")).toBe(text);
  });

  test("keeps a closing parenthesis that belongs to the URL", () => {
    const segs = linkify("(see https://en.wikipedia.org/wiki/Rust_(language))");
    expect(segs[1]).toEqual({
      kind: "link",
      text: "https://en.wikipedia.org/wiki/Rust_(language)",
      href: "https://en.wikipedia.org/wiki/Rust_(language)",
    });
    expect(segs[2]).toEqual({ kind: "text", text: ")" });
  });
});

describe("backoffDelay", () => {
  test("doubles from half a second and stops growing at ten seconds, with jitter around it", () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 0.5))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(30, 0.5)).toBe(10_000);
    expect(backoffDelay(0, 0)).toBe(375);
    expect(backoffDelay(0, 1)).toBe(625);
  });
});

describe("plain text of a message", () => {
  test("drops tags, keeps words apart across blocks, decodes entities", async () => {
    const { plainText } = await import("./state");
    expect(plainText("<h1>Plan</h1>\n<ul>\n<li>☐ one</li>\n<li>two</li>\n</ul>")).toBe("Plan ☐ one two");
    expect(plainText("<p>a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; &#x1F389;</p>")).toBe(`a <b> & "c" 'd' 🎉`);
    expect(plainText("<p>line<br>\nnext</p>")).toBe("line next");
    expect(plainText("<table><thead><tr><th>a</th><th>b</th></tr></thead></table>")).toBe("a b");
  });
});
