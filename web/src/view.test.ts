import { describe, expect, test } from "vitest";
import type { Message } from "./protocol";
import { around, follow, growDown, growUp, hold, indexOf, LIVE, span, VIEW_MAX, VIEW_STEP, type View } from "./view";

function m(seq: number): Message {
  return { id: `m${seq}`, room_id: "1", seq, sender_id: "2", body: "", html: "", created_at: "2026-11-21T10:00:00.000Z" };
}
const window = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => m(from + i));

describe("the run of messages in the page", () => {
  const all = window(1, 1000);

  test("at the end it is the newest messages, never more than the maximum", () => {
    expect(span(all, LIVE)).toEqual([1000 - VIEW_MAX, 1000]);
    expect(span(window(1, 10), LIVE)).toEqual([0, 10]);
    expect(span([], LIVE)).toEqual([0, 0]);
  });

  test("scrolling up adds earlier messages and cuts the newest past the maximum, down to the first", () => {
    let v: View = hold(all, LIVE);
    let steps = 0;
    for (let up = growUp(all, v); up; up = growUp(all, v)) {
      v = up;
      const [start, end] = span(all, v);
      expect(end - start).toBeLessThanOrEqual(VIEW_MAX);
      steps++;
    }
    expect(span(all, v)[0]).toBe(0);
    expect(steps).toBe(Math.ceil((1000 - VIEW_MAX) / VIEW_STEP));
    expect(v.to).not.toBeNull();
  });

  test("scrolling down adds later messages and cuts the oldest, up to the last; then it follows the end", () => {
    let v = around(all, 10);
    for (let down = growDown(all, v); down; down = growDown(all, v)) v = down;
    expect(span(all, v)).toEqual([1000 - VIEW_MAX, 1000]);
    expect(v.to).toBe(1000);
    const live = follow(all, v);
    expect(live.to).toBeNull();
    // Following, new messages join and the oldest shown are cut.
    const more = window(1, 1010);
    expect(span(more, live)).toEqual([1010 - VIEW_MAX, 1010]);
  });

  test("held, new messages at the end are not added", () => {
    const held = hold(all, LIVE);
    expect(span(window(1, 1050), held)).toEqual([1000 - VIEW_MAX, 1000]);
  });

  test("a message jumped to is in the run, a few below its top", () => {
    const v = around(all, 500);
    const [start, end] = span(all, v);
    expect(start).toBe(indexOf(all, 500) - VIEW_STEP);
    expect(end - start).toBe(VIEW_MAX);
  });

  test("a run the window no longer holds falls back to the nearest end of it", () => {
    const later = window(2000, 2100);
    expect(span(later, { from: 10, to: 50 })).toEqual([0, 101]);
    expect(span(window(1, 30), { from: 500, to: 600 })).toEqual([0, 30]);
  });
});
