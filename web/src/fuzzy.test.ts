import { describe, expect, it } from "vitest";
import { fuzzyFilter, fuzzyScore } from "./fuzzy";

describe("fuzzy matching", () => {
  it("matches letters in order, ignoring case and spaces, as the terminal client does", () => {
    expect(fuzzyScore("gen", "#general")).not.toBeNull();
    expect(fuzzyScore("gnrl", "#general")).not.toBeNull();
    expect(fuzzyScore("G N", "#general")).not.toBeNull();
    expect(fuzzyScore("xyz", "#general")).toBeNull();
    expect(fuzzyScore("", "#anything")).not.toBeNull();
  });

  it("prefers early and adjacent letters", () => {
    expect(fuzzyScore("ran", "#random")!).toBeLessThan(fuzzyScore("ran", "#general-and-more")!);
    expect(fuzzyScore("dev", "#dev")!).toBeLessThan(fuzzyScore("dev", "#d-e-v")!);
  });

  it("filters and orders, keeping the original order on ties", () => {
    const rooms = ["#general", "#random", "#general-and-more", "@ravi"];
    expect(fuzzyFilter(rooms, "ran", (r) => r)).toEqual(["#random", "#general-and-more"]);
    expect(fuzzyFilter(rooms, "", (r) => r)).toEqual(rooms);
  });
});
