// How a room's messages are laid out: day separators, runs from one sender, times, and links.
// Pure functions over messages; the message list component renders what they return.

import type { Message } from "./protocol";
import type { Pending } from "./state";

/** Messages from one sender closer together than this are shown as one group. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

export type Row =
  | { kind: "day"; key: string; label: string }
  | { kind: "unread"; key: string }
  | { kind: "message"; key: string; message: Message; first: boolean }
  | { kind: "pending"; key: string; pending: Pending; first: boolean };

/**
 * Lays out messages (then pending sends, which are always newest) with day separators and groups,
 * and the "New messages" line before the message whose seq is `unreadAt`: a group starts again
 * after it, so the first new message shows who sent it. `before` is the message just above the
 * first one, when the page shows only part of the room: the first row continues its day and group.
 */
export function layout(
  messages: Message[],
  pending: Pending[],
  senderId: string,
  now: Date,
  unreadAt?: number,
  before?: Message,
): Row[] {
  const rows: Row[] = [];
  const beforeAt = before ? Date.parse(before.created_at) : 0;
  let prevDay = before ? dayKey(new Date(beforeAt)) : "";
  let prevSender = before?.sender_id ?? "";
  let prevTime = beforeAt;
  const place = (sender: string, time: number) => {
    const day = dayKey(new Date(time));
    if (day !== prevDay) {
      rows.push({ kind: "day", key: `day-${day}`, label: dayLabel(new Date(time), now) });
      prevDay = day;
      prevSender = "";
    }
    const first = sender !== prevSender || time - prevTime > GROUP_GAP_MS;
    prevSender = sender;
    prevTime = time;
    return first;
  };
  for (const m of messages) {
    if (m.seq === unreadAt) {
      rows.push({ kind: "unread", key: "unread" });
      prevSender = "";
    }
    const first = place(m.sender_id, Date.parse(m.created_at));
    rows.push({ kind: "message", key: `m-${m.id}`, message: m, first });
  }
  for (const p of pending) {
    const first = place(senderId, p.createdAt);
    rows.push({ kind: "pending", key: `p-${p.clientId}`, pending: p, first });
  }
  return rows;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function dayLabel(d: Date, now: Date): string {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return (d.getFullYear() !== now.getFullYear() ? DAY_WITH_YEAR : DAY).format(d);
}

// Formatters in the browser's locale, made once: making one per call (what toLocaleString does)
// cost more than everything else in rendering a message.
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const FULL = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const DAY = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const DAY_WITH_YEAR = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", year: "numeric" });

export function timeLabel(iso: string | number): string {
  return TIME.format(new Date(iso));
}

export function fullTime(iso: string | number): string {
  return FULL.format(new Date(iso));
}

/** "last seen 5 minutes ago" style wording. */
export function lastSeenLabel(iso: string | undefined, now: number): string {
  if (!iso) return "offline";
  const mins = Math.floor((now - Date.parse(iso)) / 60_000);
  if (mins < 1) return "last seen just now";
  if (mins < 60) return `last seen ${mins} min ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `last seen ${hours} h ago`;
  return `last seen ${new Date(iso).toLocaleDateString()}`;
}

export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** Splits text into plain runs and http(s) links; the caller renders both as text nodes. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const trail = match[0].match(TRAILING)?.[0] ?? "";
    let url = match[0].slice(0, match[0].length - trail.length);
    // Keep a closing parenthesis that balances one inside the URL (Wikipedia-style links).
    if (trail.startsWith(")") && count(url, "(") > count(url, ")")) url += ")";
    const start = match.index ?? 0;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push({ kind: "link", text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/** Exponential backoff with jitter for reconnecting: 0.5 s, 1 s, 2 s, … capped at 10 s. */
export function backoffDelay(attempt: number, random: number): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random));
}
