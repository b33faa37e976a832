import { describe, expect, it } from "vitest";
import { Drafts, MAX_DRAFT_CHARS, MAX_DRAFTS } from "./drafts";

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(i: number) {
    return [...this.items.keys()][i] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe("drafts", () => {
  it("survive a new page (a reload) and are forgotten when emptied", () => {
    const store = new MemoryStorage();
    new Drafts("k", store).set("1", "half a thought");
    const again = new Drafts("k", store);
    expect(again.get("1")).toBe("half a thought");
    expect(again.get("2")).toBe("");
    again.set("1", "");
    expect(new Drafts("k", store).get("1")).toBe("");
  });

  it("from two tabs, each change only its own room's draft", () => {
    const store = new MemoryStorage();
    const one = new Drafts("k", store);
    const two = new Drafts("k", store);
    one.set("1", "from tab one");
    two.set("2", "from tab two");
    one.set("1", "from tab one, longer");
    const again = new Drafts("k", store);
    expect(again.get("1")).toBe("from tab one, longer");
    expect(again.get("2")).toBe("from tab two");
    store.removeItem("k"); // a sign-out in another tab
    one.set("3", "after");
    expect(new Drafts("k", store).get("1")).toBe("");
  });

  it("keep the most recently changed rooms, and cut long texts", () => {
    const store = new MemoryStorage();
    const drafts = new Drafts("k", store);
    for (let i = 0; i < MAX_DRAFTS + 5; i++) drafts.set(String(i), `draft ${i}`, 1000 + i);
    const again = new Drafts("k", store);
    expect(again.get("0")).toBe("");
    expect(again.get("4")).toBe("");
    expect(again.get("5")).toBe("draft 5");
    expect(again.get(String(MAX_DRAFTS + 4))).toBe(`draft ${MAX_DRAFTS + 4}`);
    again.set("long", "x".repeat(MAX_DRAFT_CHARS + 10));
    expect(new Drafts("k", store).get("long")).toHaveLength(MAX_DRAFT_CHARS);
  });
});
