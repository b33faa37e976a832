// A room's loaded window of history: one contiguous run of its messages, bounded in size, which
// may sit anywhere in the room's history (at its end, where live messages join it, or further
// back, where the user scrolled or jumped to). Pure functions; state.ts applies them.
//
// Every room's seq runs 1, 2, 3, … with no gaps (docs/protocol.md), so whether two runs join
// into one is a question of their seqs alone.

import type { Message } from "./protocol";

export interface Timeline {
  /** Contiguous, ascending by seq. */
  messages: Message[];
  /** Older messages exist on the server before the first one here. */
  hasMore: boolean;
  /** A page of history has been fetched (otherwise only live messages are here). */
  loaded: boolean;
}

/** The most messages kept for the room on screen: older or newer pages are dropped past it and
 * loaded again when the user scrolls back to them. */
export const WINDOW_MAX = 1000;
/** The most kept for every other room: the newest ones, what opening it shows first. */
export const KEPT_AWAY = 100;

/** Which page of history an answer is: what it may do to the window. */
export type PageKind =
  /** The room's newest messages: joins the window, or replaces one that is elsewhere. */
  | { kind: "newest" }
  /** Messages before `before`, the window's first seq when it was asked for. */
  | { kind: "older"; before: number }
  /** Messages after `after`, the window's last seq when it was asked for. */
  | { kind: "newer"; after: number }
  /** Messages around one the user jumps to: replaces the window. */
  | { kind: "around" };

export function emptyTimeline(): Timeline {
  return { messages: [], hasMore: true, loaded: false };
}

/** Whether two ascending runs of one room's messages overlap or touch, so together they are
 * contiguous. */
export function joinable(a: Message[], b: Message[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return b[0].seq <= a[a.length - 1].seq + 1 && b[b.length - 1].seq + 1 >= a[0].seq;
}

/** Merges messages into an ascending list, keeping one copy per seq: the one with the higher
 * `rev` (an edit that arrived live beats a page fetched before it), else the incoming one. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return list;
  const last = list[list.length - 1];
  if (incoming.length === 1 && (!last || incoming[0].seq > last.seq)) return [...list, incoming[0]];
  const bySeq = new Map<number, Message>();
  for (const m of list) bySeq.set(m.seq, m);
  for (const m of incoming) {
    const had = bySeq.get(m.seq);
    if (!had || (had.rev ?? 0) <= (m.rev ?? 0)) bySeq.set(m.seq, m);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The window after a page of history arrived. A page for a window that has moved since it was
 * asked for (the user jumped elsewhere) is dropped. */
export function applyPage(t: Timeline, page: Message[], hasMore: boolean, kind: PageKind): Timeline {
  const first = t.messages[0];
  const last = t.messages[t.messages.length - 1];
  switch (kind.kind) {
    // A page that still joins the window is merged even if the window moved a little since it
    // was asked for (live messages trimmed its oldest, say): dropping it would ask again, and
    // under a steady stream of messages never get there.
    case "older": {
      if (!first || page.length === 0 || !joinable(t.messages, page) || page[0].seq >= first.seq) return t;
      return keepOldest({ ...t, messages: mergeMessages(t.messages, page), hasMore });
    }
    case "newer": {
      if (!last || page.length === 0 || !joinable(t.messages, page) || page[page.length - 1].seq <= last.seq) return t;
      return keepNewest({ ...t, messages: mergeMessages(t.messages, page) }, WINDOW_MAX);
    }
    case "around":
      return keepNewest({ messages: page, hasMore, loaded: true }, WINDOW_MAX);
    case "newest": {
      if (page.length === 0) return { ...t, hasMore: t.loaded ? t.hasMore : false, loaded: true };
      if (!joinable(t.messages, page)) return keepNewest({ messages: page, hasMore, loaded: true }, WINDOW_MAX);
      // The first message comes from the page or from what was here: whichever's word on what
      // lies before it holds (live messages, before any page, say nothing: assume more).
      const before = !first || page[0].seq <= first.seq ? hasMore : t.loaded ? t.hasMore : true;
      return keepNewest({ messages: mergeMessages(t.messages, page), hasMore: before, loaded: true }, WINDOW_MAX);
    }
  }
}

/** Drops the oldest messages past `max`; older ones then lie before the window. */
export function keepNewest(t: Timeline, max: number): Timeline {
  if (t.messages.length <= max) return t;
  return { ...t, messages: t.messages.slice(t.messages.length - max), hasMore: true };
}

function keepOldest(t: Timeline): Timeline {
  if (t.messages.length <= WINDOW_MAX) return t;
  return { ...t, messages: t.messages.slice(0, WINDOW_MAX) };
}

/**
 * The window after a live message (or an ack) arrived. It joins only a window that reaches it:
 * one further back stays as it is (the message is fetched with the page it is in, if the user
 * scrolls there). `max` bounds the window (then the oldest go), and `hold` says the user is
 * reading further back: a full window then stops taking messages rather than drop what they read.
 */
export function applyLive(t: Timeline, m: Message, max: number, hold: boolean): Timeline {
  if (!joinable(t.messages, [m])) return t;
  const last = t.messages[t.messages.length - 1];
  const appends = !last || m.seq > last.seq;
  if (appends && hold && t.messages.length >= max) return t;
  return keepNewest({ ...t, messages: mergeMessages(t.messages, [m]) }, max);
}

/** Whether newer messages than the window's last exist: `cursor` is the highest seq the client
 * has heard of in the room. */
export function behind(t: Timeline | undefined, cursor: number): boolean {
  const last = t?.messages[t.messages.length - 1];
  return !!last && last.seq < cursor;
}

/** What a room's window becomes when the user leaves the room: its newest messages, or nothing
 * (loaded again on return) when it is elsewhere in the history. */
export function putAway(t: Timeline, cursor: number): Timeline {
  if (behind(t, cursor)) return emptyTimeline();
  return keepNewest(t, KEPT_AWAY);
}
