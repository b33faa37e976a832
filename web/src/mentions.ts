// Completing @-mentions in the message box: which word the caret is in, who it could name, and
// the text once one is chosen. Pure functions; the composer (ui/RoomView.tsx) renders the list.

import type { User } from "./protocol";

/** The `@word` being typed just before the caret: where its `@` is, and the letters after it. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(?:^|\s)@([\p{L}\p{N}_.-]{0,32})$/u.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[1].length - 1, query: m[1] };
}

export interface Candidate {
  /** What replaces the `@word`: the username (what the server resolves), then a space. */
  insert: string;
  label: string;
  detail: string;
}

/**
 * The people (and `@room`, if the user may use it) a query could mean, best first: usernames
 * that start with it, then display names with a word that does; at most `limit`.
 */
export function mentionCandidates(people: User[], query: string, mayMentionRoom: boolean, limit = 8): Candidate[] {
  const q = query.toLowerCase();
  const rank = (u: User) => {
    if (u.username.startsWith(q)) return 0;
    return u.display_name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) ? 1 : -1;
  };
  const found = people
    .filter((u) => !u.deleted && !u.deactivated)
    .map((u) => ({ u, r: rank(u) }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.u.username.localeCompare(b.u.username))
    .map(({ u }) => ({ insert: `@${u.username} `, label: u.display_name, detail: `@${u.username}` }));
  const room = mayMentionRoom && "room".startsWith(q) ? [{ insert: "@room ", label: "@room", detail: "everyone in the room" }] : [];
  return [...room, ...found].slice(0, limit);
}

/** `text` with the `@word` at `start` (up to the caret) replaced by `insert`; and the caret after it. */
export function complete(text: string, caret: number, start: number, insert: string): { text: string; caret: number } {
  const next = text.slice(0, start) + insert + text.slice(caret).replace(/^ /, "");
  return { text: next, caret: start + insert.length };
}
