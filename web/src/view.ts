// Which of a room's loaded messages are in the page: a run of at most VIEW_MAX of them, grown
// by VIEW_STEP as the user scrolls towards either end of it and cut at the other end, so the page
// holds the same few hundred elements whether the window holds fifty messages or a thousand.
// Pure functions over the window's messages; MessageList keeps the scroll position steady.

import type { Message } from "./protocol";

export const VIEW_MAX = 120;
export const VIEW_STEP = 40;

/**
 * The run shown, by seq: from `from` to `to` (both included), or with `to` null, the newest
 * VIEW_MAX messages of the window and whatever arrives after them (the user is at the end).
 */
export interface View {
  from: number;
  to: number | null;
}

export const LIVE: View = { from: 0, to: null };

/** The index of the first message whose seq is at least `seq` (the length if none). */
export function indexOf(messages: Message[], seq: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (messages[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The messages shown, as indices `[start, end)` into the window. A view whose messages the
 * window no longer holds falls back to the nearest end of the window. */
export function span(messages: Message[], v: View): [number, number] {
  const n = messages.length;
  if (v.to === null) return [Math.max(indexOf(messages, v.from), n - VIEW_MAX, 0), n];
  let start = indexOf(messages, v.from);
  let end = indexOf(messages, v.to + 1);
  if (start >= end) {
    if (n > 0 && v.from > messages[n - 1].seq) start = Math.max(0, n - VIEW_MAX);
    else start = 0;
    end = Math.min(n, start + VIEW_MAX);
  }
  if (end - start > VIEW_MAX) end = start + VIEW_MAX;
  return [start, end];
}

function of(messages: Message[], start: number, end: number, live: boolean): View {
  return { from: messages[start]?.seq ?? 0, to: live ? null : (messages[end - 1]?.seq ?? 0) };
}

/** The view after the user neared its top: earlier messages added, the newest cut past the
 * maximum. Null when the window has nothing earlier (load an older page). */
export function growUp(messages: Message[], v: View): View | null {
  const [start, end] = span(messages, v);
  if (start === 0) return null;
  const from = Math.max(0, start - VIEW_STEP);
  const to = Math.min(end, from + VIEW_MAX);
  return of(messages, from, to, v.to === null && to === messages.length);
}

/** The view after the user neared its bottom: later messages added, the oldest cut. Null when
 * the window has nothing later (load a newer page, or follow live messages). */
export function growDown(messages: Message[], v: View): View | null {
  const [start, end] = span(messages, v);
  if (v.to === null || end >= messages.length) return null;
  const to = Math.min(messages.length, end + VIEW_STEP);
  return of(messages, Math.max(start, to - VIEW_MAX), to, false);
}

/** The view following the end of the window from what is shown now. */
export function follow(messages: Message[], v: View): View {
  const [start] = span(messages, v);
  return { from: messages[start]?.seq ?? 0, to: null };
}

/** The view held where it is: new messages at the end are no longer added to it. */
export function hold(messages: Message[], v: View): View {
  if (v.to !== null) return v;
  const [start, end] = span(messages, v);
  return of(messages, start, end, false);
}

/** A view with message `seq` in it, a few messages below its top. */
export function around(messages: Message[], seq: number): View {
  const at = indexOf(messages, seq);
  const from = Math.max(0, at - VIEW_STEP);
  const to = Math.min(messages.length, from + VIEW_MAX);
  return of(messages, from, to, false);
}
