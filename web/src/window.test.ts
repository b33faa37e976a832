import { describe, expect, test } from "vitest";
import type { Message } from "./protocol";
import { applyLive, applyPage, behind, emptyTimeline, joinable, KEPT_AWAY, putAway, WINDOW_MAX, type Timeline } from "./window";

function m(seq: number, rev = 0): Message {
  return { id: `m${seq}`, room_id: "1", seq, sender_id: "2", body: `b${seq}`, html: "", created_at: "2026-11-21T10:00:00.000Z", rev };
}
const run = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => m(from + i));
const seqs = (t: Timeline) => t.messages.map((x) => x.seq);
const loaded = (from: number, to: number, hasMore = true): Timeline => ({ messages: run(from, to), hasMore, loaded: true });

describe("joining runs of messages", () => {
  test("runs that overlap or touch join; a gap keeps them apart", () => {
    expect(joinable(run(5, 9), run(10, 12))).toBe(true);
    expect(joinable(run(5, 9), run(1, 4))).toBe(true);
    expect(joinable(run(5, 9), run(7, 20))).toBe(true);
    expect(joinable(run(5, 9), run(11, 12))).toBe(false);
    expect(joinable(run(5, 9), run(1, 3))).toBe(false);
    expect(joinable([], run(1, 3))).toBe(true);
  });
});

describe("pages of history", () => {
  test("an older page joins the window, and one for a window that moved since is dropped", () => {
    const t = loaded(51, 100);
    const older = applyPage(t, run(1, 50), false, { kind: "older", before: 51 });
    expect(seqs(older)).toEqual(run(1, 100).map((x) => x.seq));
    expect(older.hasMore).toBe(false);
    // Asked for before 51, but the window now starts at 500 (the user jumped): not applied.
    const moved = loaded(500, 520);
    expect(applyPage(moved, run(1, 50), false, { kind: "older", before: 51 })).toBe(moved);
    // Asked for before 51, and live messages trimmed the window to start at 53 meanwhile: the
    // page still joins it, so it is kept (dropping it would ask again, and again).
    const trimmed = loaded(53, 120);
    expect(seqs(applyPage(trimmed, run(1, 50), false, { kind: "older", before: 51 }))).toEqual(seqs(trimmed));
    const slid = loaded(45, 120);
    expect(seqs(applyPage(slid, run(1, 50), false, { kind: "older", before: 51 }))[0]).toBe(1);
  });

  test("paging back past the maximum drops the newest messages, which are then fetched again", () => {
    let t = loaded(WINDOW_MAX + 1, WINDOW_MAX + 50);
    for (let before = WINDOW_MAX + 1; before > 1; before -= 50) {
      t = applyPage(t, run(Math.max(1, before - 50), before - 1), before - 50 > 1, { kind: "older", before });
    }
    expect(t.messages.length).toBe(WINDOW_MAX);
    expect(t.messages[0].seq).toBe(1);
    expect(behind(t, WINDOW_MAX + 50)).toBe(true);
    const newer = applyPage(t, run(WINDOW_MAX + 1, WINDOW_MAX + 50), true, { kind: "newer", after: WINDOW_MAX });
    expect(newer.messages.length).toBe(WINDOW_MAX);
    expect(newer.messages[newer.messages.length - 1].seq).toBe(WINDOW_MAX + 50);
    expect(newer.hasMore).toBe(true);
    expect(behind(newer, WINDOW_MAX + 50)).toBe(false);
  });

  test("the newest page joins a window that reaches it and replaces one further back", () => {
    const live: Timeline = { messages: run(90, 105), hasMore: true, loaded: false };
    const joined = applyPage(live, run(56, 105), true, { kind: "newest" });
    expect(seqs(joined)).toEqual(run(56, 105).map((x) => x.seq));
    const far = loaded(10, 40);
    const replaced = applyPage(far, run(56, 105), true, { kind: "newest" });
    expect(seqs(replaced)).toEqual(run(56, 105).map((x) => x.seq));
    expect(applyPage(emptyTimeline(), [], false, { kind: "newest" })).toEqual({ messages: [], hasMore: false, loaded: true });
  });

  test("a page around a message replaces the window", () => {
    const t = applyPage(loaded(900, 1000), run(470, 550), true, { kind: "around" });
    expect(seqs(t)[0]).toBe(470);
    expect(t.hasMore).toBe(true);
  });

  test("a copy with a higher rev wins over an older one from a page", () => {
    const t: Timeline = { messages: [m(5, 7)], hasMore: true, loaded: true };
    const after = applyPage(t, [m(4, 1), m(5, 3)], true, { kind: "older", before: 5 });
    expect(after.messages.map((x) => x.rev)).toEqual([1, 7]);
  });
});

describe("live messages", () => {
  test("join a window that reaches them, and never one further back", () => {
    expect(seqs(applyLive(loaded(1, 10), m(11), WINDOW_MAX, false))).toEqual(run(1, 11).map((x) => x.seq));
    const far = loaded(1, 10);
    expect(applyLive(far, m(50), WINDOW_MAX, false)).toBe(far);
  });

  test("a room not on screen keeps only its newest messages", () => {
    let t: Timeline = emptyTimeline();
    for (let seq = 1; seq <= 500; seq++) t = applyLive(t, m(seq), KEPT_AWAY, false);
    expect(t.messages.length).toBe(KEPT_AWAY);
    expect(t.messages[0].seq).toBe(401);
    expect(t.hasMore).toBe(true);
  });

  test("while the user reads further back, a full window stops taking them rather than drop what they read", () => {
    const full = loaded(1, WINDOW_MAX);
    const held = applyLive(full, m(WINDOW_MAX + 1), WINDOW_MAX, true);
    expect(held).toBe(full);
    expect(behind(held, WINDOW_MAX + 1)).toBe(true);
    // Following the end instead, the oldest go.
    expect(applyLive(full, m(WINDOW_MAX + 1), WINDOW_MAX, false).messages[0].seq).toBe(2);
  });

  test("leaving a room keeps its newest messages, or nothing if the window was further back", () => {
    expect(seqs(putAway(loaded(1, 500), 500))).toEqual(run(401, 500).map((x) => x.seq));
    expect(putAway(loaded(1, 500), 900)).toEqual(emptyTimeline());
  });
});
