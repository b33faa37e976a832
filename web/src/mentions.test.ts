import { describe, expect, it } from "vitest";
import type { User } from "./protocol";
import { complete, mentionAt, mentionCandidates } from "./mentions";

const user = (id: string, username: string, display_name: string, more: Partial<User> = {}): User => ({
  id, username, display_name, status: "", is_admin: false, ...more,
});

describe("mentions", () => {
  it("find the @word just before the caret, and nothing inside a word or an address", () => {
    expect(mentionAt("hi @al", 6)).toEqual({ start: 3, query: "al" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("hi @al there", 6)).toEqual({ start: 3, query: "al" });
    expect(mentionAt("mail me@host", 12)).toBeNull();
    expect(mentionAt("hi @al there", 12)).toBeNull();
  });

  it("offer usernames first, then display names, never the deleted; @room only to those allowed", () => {
    const people = [
      user("1", "bob", "Alice's friend Bob"),
      user("2", "alice", "Alice Smith"),
      user("3", "albert", "Al"),
      user("4", "alex", "Gone", { deleted: true }),
    ];
    expect(mentionCandidates(people, "al", false).map((c) => c.detail)).toEqual(["@albert", "@alice", "@bob"]);
    expect(mentionCandidates(people, "r", true).map((c) => c.detail)).toEqual(["everyone in the room"]);
    expect(mentionCandidates(people, "r", false)).toEqual([]);
    expect(mentionCandidates(people, "", false, 2)).toHaveLength(2);
  });

  it("replace the @word with the username and put the caret after it", () => {
    expect(complete("hi @al", 6, 3, "@alice ")).toEqual({ text: "hi @alice ", caret: 10 });
    expect(complete("hi @al there", 6, 3, "@alice ")).toEqual({ text: "hi @alice there", caret: 10 });
  });
});
