// The client's state and every change to it, as pure functions: the UI renders a ChatState, and
// the controller (chat.ts) feeds it frames, REST answers and user actions through `reduce`.
// Nothing here touches the network, the DOM or the clock; the tests drive it directly.

import { isFinal, type Attachment, type Id, type MemberEvent, type Message, type ReadState, type Room, type ServerFrame, type User } from "./protocol";
import { applyLive, applyPage, emptyTimeline, KEPT_AWAY, putAway, WINDOW_MAX, type PageKind, type Timeline } from "./window";

export { mergeMessages, type Timeline } from "./window";

export type ConnState = "connecting" | "online" | "offline";

/** A message the user sent that the server has not acknowledged yet. */
export interface Pending {
  clientId: string;
  roomId: Id;
  body: string;
  createdAt: number;
  /** The message this one answers. */
  replyTo?: Id;
  /** Uploaded files it carries. */
  attachments?: Attachment[];
  /** queued: waiting for a connection; sending: on the wire; failed: refused or timed out. */
  status: "queued" | "sending" | "failed";
  error?: string;
  /** Refused for good: sending it again would be refused again (see `isFinal`). */
  final?: boolean;
}

export interface ChatState {
  me: User;
  conn: ConnState;
  /** Rooms the user is a member of. */
  rooms: Record<Id, Room>;
  /** Per room, the highest seq this client has received: what `sync` resumes from. */
  cursors: Record<Id, number>;
  /** Per room, the loaded window of its history (window.ts). */
  timelines: Record<Id, Timeline>;
  /** The user is reading the open room away from its newest messages: its window, once full,
   * stops taking live ones rather than drop what they read. */
  readingBack: boolean;
  pending: Pending[];
  users: Record<Id, User>;
  online: Record<Id, true>;
  /** Per room, who is typing and until when (ms since the epoch). */
  typing: Record<Id, Record<Id, number>>;
  /** Per room, the highest message `rev` this client has: what `sync` resumes changes from. */
  revs: Record<Id, number>;
  /** Per room, the user's read state, kept by the server across devices. */
  reads: Record<Id, ReadState>;
  /** Per room, where the user had read up to when they opened it: the "new messages" line. */
  markers: Record<Id, number>;
  /** Per room, member ids, once loaded. */
  members: Record<Id, Id[]>;
  /** Users this user has blocked: their messages are collapsed. */
  blocked: Record<Id, true>;
  /** The room on screen. */
  active: Id | null;
  /** Bumped by every moderation event that concerns the user (an invitation, a report, a
   * mute): the views that list them load again. */
  notices: number;
  /** Per room, until when the user is muted there ("" for until lifted). */
  muted: Record<Id, string>;
  /** A moderation event to tell the user about (a report handled, an invitation, a mute). */
  toast: string | null;
}

/** How long a typing indicator shows without a refresh (the server ends it sooner). */
export const TYPING_SHOW_MS = 8000;

export function initialState(me: User): ChatState {
  return {
    me,
    conn: "connecting",
    rooms: {},
    cursors: {},
    timelines: {},
    readingBack: false,
    pending: [],
    users: { [me.id]: me },
    online: {},
    typing: {},
    revs: {},
    reads: {},
    markers: {},
    members: {},
    blocked: {},
    active: null,
    notices: 0,
    muted: {},
    toast: null,
  };
}

export type Action =
  | { kind: "frame"; frame: ServerFrame; now: number }
  | { kind: "conn"; conn: ConnState }
  | { kind: "history"; roomId: Id; messages: Message[]; hasMore: boolean; page: PageKind }
  | { kind: "reading-back"; on: boolean }
  | { kind: "room"; room: Room }
  | { kind: "dismiss-toast" }
  | { kind: "toast"; text: string }
  | { kind: "users"; users: User[] }
  | { kind: "members"; roomId: Id; members: User[] }
  | { kind: "queue"; pending: Pending }
  | { kind: "sending"; clientIds: string[] }
  | { kind: "failed"; clientId: string; error: string }
  | { kind: "discard"; clientId: string }
  | { kind: "read"; roomId: Id; seq: number }
  | { kind: "updated"; message: Message }
  | { kind: "open"; roomId: Id | null }
  | { kind: "expire-typing"; now: number };

export function reduce(s: ChatState, a: Action): ChatState {
  switch (a.kind) {
    case "frame":
      return applyFrame(s, a.frame, a.now);
    case "conn":
      // A dropped connection puts unacknowledged sends back in the queue: they are resent with
      // the same client_id after the resync, and the server stores each one once.
      return a.conn === "online"
        ? { ...s, conn: a.conn }
        : {
            ...s,
            conn: a.conn,
            typing: {},
            pending: s.pending.map((p) => (p.status === "sending" ? { ...p, status: "queued" } : p)),
          };
    case "history": {
      const t = timelineOf(s, a.roomId);
      const next = applyPage(t, a.messages, a.hasMore, a.page);
      return next === t ? s : { ...s, timelines: { ...s.timelines, [a.roomId]: next } };
    }
    case "reading-back":
      return s.readingBack === a.on ? s : { ...s, readingBack: a.on };
    case "room":
      return addRoom(s, a.room);
    case "dismiss-toast":
      return { ...s, toast: null };
    case "toast":
      return { ...s, toast: a.text };
    case "users":
      return { ...s, users: { ...s.users, ...Object.fromEntries(a.users.map((u) => [u.id, u])) } };
    case "members": {
      const users = { ...s.users, ...Object.fromEntries(a.members.map((u) => [u.id, u])) };
      return { ...s, users, members: { ...s.members, [a.roomId]: a.members.map((u) => u.id) } };
    }
    case "queue":
      return { ...s, pending: [...s.pending, a.pending] };
    case "sending":
      return {
        ...s,
        pending: s.pending.map((p) =>
          a.clientIds.includes(p.clientId) ? { ...p, status: "sending", error: undefined } : p,
        ),
      };
    case "failed":
      return {
        ...s,
        pending: s.pending.map((p) =>
          p.clientId === a.clientId ? { ...p, status: "failed", error: a.error } : p,
        ),
      };
    case "discard":
      return { ...s, pending: s.pending.filter((p) => p.clientId !== a.clientId) };
    case "read": {
      // Seen on screen up to `seq`: optimistic until the server's `read` frame confirms it.
      const r = readOf(s, a.roomId);
      if (r.last_read >= a.seq) return s;
      const caughtUp = a.seq >= (s.rooms[a.roomId]?.last_seq ?? 0);
      const next = caughtUp ? { ...r, last_read: a.seq, unread: 0, mentions: 0 } : { ...r, last_read: a.seq };
      return { ...s, reads: { ...s.reads, [a.roomId]: next } };
    }
    case "updated":
      return updateMessage(s, a.message);
    case "open": {
      // The room left keeps only what opening it again shows first.
      const left = s.active && s.active !== a.roomId ? s.timelines[s.active] : undefined;
      const timelines =
        left && s.active ? { ...s.timelines, [s.active]: putAway(left, s.cursors[s.active] ?? 0) } : s.timelines;
      if (!a.roomId) return { ...s, active: null, timelines, readingBack: false };
      const r = readOf(s, a.roomId);
      const markers = { ...s.markers };
      // The line goes where the user left off, if there is anything after it.
      if (r.unread > 0) markers[a.roomId] = r.last_read;
      else delete markers[a.roomId];
      // Opening the room already open (from the sidebar, say) leaves the user where they read.
      return { ...s, active: a.roomId, markers, timelines, readingBack: s.active === a.roomId && s.readingBack };
    }
    case "expire-typing":
      return expireTyping(s, a.now);
  }
}

function applyFrame(s: ChatState, f: ServerFrame, now: number): ChatState {
  switch (f.type) {
    case "ready": {
      let next: ChatState = {
        ...s,
        me: f.user,
        users: { ...s.users, [f.user.id]: f.user },
        online: Object.fromEntries(f.online.map((id) => [id, true as const])),
        rooms: {},
        reads: Object.fromEntries(f.reads.map((r) => [r.room_id, r])),
        blocked: Object.fromEntries(f.blocked.map((id) => [id, true as const])),
      };
      for (const room of f.rooms) next = addRoom(next, room);
      return next;
    }
    case "message":
      return addMessage(s, f.message);
    case "message_updated":
      return updateMessage(s, f.message);
    case "read": {
      // The server only moves a read state forward: an answer older than what this client has
      // since reported (a later read crossed it on the wire) is stale, and applying it would
      // show messages already read as unread again.
      if (f.last_read < (s.reads[f.room_id]?.last_read ?? 0)) return s;
      const { type: _, ...read } = f;
      return { ...s, reads: { ...s.reads, [f.room_id]: read } };
    }
    case "blocked": {
      const blocked = { ...s.blocked };
      if (f.blocked) blocked[f.user_id] = true;
      else delete blocked[f.user_id];
      return { ...s, blocked };
    }
    case "ack": {
      const next = addMessage(s, f.message);
      const id = f.client_id ?? f.message.client_id;
      return { ...next, pending: next.pending.filter((p) => p.clientId !== id) };
    }
    case "typing": {
      if (f.user_id === s.me.id) return s;
      const room = { ...(s.typing[f.room_id] ?? {}) };
      if (f.active) room[f.user_id] = now + TYPING_SHOW_MS;
      else delete room[f.user_id];
      return { ...s, typing: { ...s.typing, [f.room_id]: room } };
    }
    case "presence": {
      const online = { ...s.online };
      let users = s.users;
      if (f.online) online[f.user_id] = true;
      else {
        delete online[f.user_id];
        const u = s.users[f.user_id];
        if (u) users = { ...users, [u.id]: { ...u, last_seen: new Date(now).toISOString() } };
      }
      return { ...s, online, users };
    }
    case "member":
      return applyMember(s, f.room_id, f.user_id, f.event);
    case "room":
      return addRoom(s, f.room);
    case "room_deleted":
      return applyMember(s, f.room_id, s.me.id, "left");
    case "report":
      // The lists that show these read them over REST; this tells them to read again.
      return { ...s, notices: s.notices + 1 };
    case "report_resolved":
      return { ...s, notices: s.notices + 1, toast: `Your report was handled (${f.action}).` };
    case "invited":
      return {
        ...s,
        notices: s.notices + 1,
        toast: `${s.users[f.by]?.display_name ?? "Someone"} invited you to #${f.room.name}. See Invitations.`,
      };
    case "muted": {
      if (f.user_id !== s.me.id) return { ...s, notices: s.notices + 1 };
      const muted = { ...s.muted };
      if (f.muted) muted[f.room_id] = f.until ?? "";
      else delete muted[f.room_id];
      const name = s.rooms[f.room_id]?.name ?? "a room";
      const toast = f.muted ? `A moderator muted you in #${name}.` : `You may post in #${name} again.`;
      return { ...s, muted, notices: s.notices + 1, toast };
    }
    case "user":
      return { ...s, me: f.user, users: { ...s.users, [f.user.id]: f.user } };
    case "synced":
    case "pong":
      return s;
    case "error": {
      if (!f.client_id) return s;
      return {
        ...s,
        pending: s.pending.map((p) =>
          p.clientId === f.client_id ? { ...p, status: "failed", error: f.message, final: isFinal(f.code) } : p,
        ),
      };
    }
  }
}

function timelineOf(s: ChatState, roomId: Id): Timeline {
  return s.timelines[roomId] ?? emptyTimeline();
}

export function readOf(s: ChatState, roomId: Id): ReadState {
  return s.reads[roomId] ?? { room_id: roomId, last_read: s.rooms[roomId]?.last_seq ?? 0, unread: 0, mentions: 0 };
}

function addRoom(s: ChatState, room: Room): ChatState {
  const known = s.rooms[room.id];
  const merged = known && known.last_seq > room.last_seq ? { ...room, last_seq: known.last_seq } : room;
  // A room you join starts read (the server agrees); a DM someone opened with you is unread
  // from its first message, which arrives live.
  const read = room.kind === "dm" ? 0 : room.last_seq;
  return {
    ...s,
    rooms: { ...s.rooms, [room.id]: merged },
    // A room seen for the first time needs no replay: its history is fetched when opened.
    cursors: room.id in s.cursors ? s.cursors : { ...s.cursors, [room.id]: room.last_seq },
    revs: room.id in s.revs ? s.revs : { ...s.revs, [room.id]: room.last_rev },
    reads:
      room.id in s.reads
        ? s.reads
        : { ...s.reads, [room.id]: { room_id: room.id, last_read: read, unread: 0, mentions: 0 } },
  };
}

/** Whether a message mentions the user, by name or with @room. */
export function mentionsMe(s: ChatState, m: Message): boolean {
  return m.sender_id !== s.me.id && (m.mentions_room === true || (m.mentions ?? []).includes(s.me.id));
}

/** A changed message replaces its older copy wherever the client holds one. */
function updateMessage(s: ChatState, m: Message): ChatState {
  const revs = (m.rev ?? 0) > (s.revs[m.room_id] ?? 0) ? { ...s.revs, [m.room_id]: m.rev ?? 0 } : s.revs;
  const t = s.timelines[m.room_id];
  const at = t ? t.messages.findIndex((x) => x.seq === m.seq) : -1;
  if (!t || at < 0 || (t.messages[at].rev ?? 0) > (m.rev ?? 0)) return revs === s.revs ? s : { ...s, revs };
  const messages = t.messages.slice();
  messages[at] = m;
  return { ...s, revs, timelines: { ...s.timelines, [m.room_id]: { ...t, messages } } };
}

function addMessage(s: ChatState, m: Message): ChatState {
  const t = timelineOf(s, m.room_id);
  const room = s.rooms[m.room_id];
  // The window stays contiguous: a message it does not reach (an old one returned by a resend's
  // ack, or a new one while the window is further back) is left for history paging.
  const onScreen = s.active === m.room_id;
  const kept = applyLive(t, m, onScreen ? WINDOW_MAX : KEPT_AWAY, onScreen && s.readingBack);
  const next: ChatState = {
    ...s,
    timelines: kept === t ? s.timelines : { ...s.timelines, [m.room_id]: kept },
    cursors: { ...s.cursors, [m.room_id]: Math.max(s.cursors[m.room_id] ?? 0, m.seq) },
    rooms: room && room.last_seq < m.seq ? { ...s.rooms, [m.room_id]: { ...room, last_seq: m.seq } } : s.rooms,
  };
  const r = readOf(s, m.room_id);
  if (m.sender_id === s.me.id) {
    // What you wrote (here or in another tab) settles its pending copy. It never counts as
    // unread; reading up to it is still reported by the screen, like any other message.
    if (m.client_id) next.pending = s.pending.filter((p) => p.clientId !== m.client_id);
  } else if (m.seq > r.last_read && m.seq > (room?.last_seq ?? 0) && !m.deleted) {
    // News (newer than the room's end as `ready` or the last message had it; a replayed message
    // is already in ready's counts): count it until the server's read state says otherwise.
    const mentions = r.mentions + (mentionsMe(s, m) ? 1 : 0);
    next.reads = { ...s.reads, [m.room_id]: { ...r, unread: r.unread + 1, mentions } };
  }
  if ((m.rev ?? 0) > (s.revs[m.room_id] ?? 0)) next.revs = { ...s.revs, [m.room_id]: m.rev ?? 0 };
  const typing = s.typing[m.room_id];
  if (typing && m.sender_id in typing) {
    const room = { ...typing };
    delete room[m.sender_id];
    next.typing = { ...s.typing, [m.room_id]: room };
  }
  return next;
}

function applyMember(s: ChatState, roomId: Id, userId: Id, event: MemberEvent): ChatState {
  if (event !== "joined" && userId === s.me.id) {
    // Forget everything about the room: after a rejoin it starts over from the newest page.
    const without = <T,>(map: Record<Id, T>) => {
      const copy = { ...map };
      delete copy[roomId];
      return copy;
    };
    return {
      ...s,
      rooms: without(s.rooms),
      timelines: without(s.timelines),
      cursors: without(s.cursors),
      revs: without(s.revs),
      reads: without(s.reads),
      markers: without(s.markers),
      members: without(s.members),
      typing: without(s.typing),
      pending: s.pending.filter((p) => p.roomId !== roomId),
      active: s.active === roomId ? null : s.active,
    };
  }
  const list = s.members[roomId];
  if (!list) return s;
  const without = list.filter((id) => id !== userId);
  const members = event === "joined" ? [...without, userId] : without;
  return { ...s, members: { ...s.members, [roomId]: members } };
}

function expireTyping(s: ChatState, now: number): ChatState {
  let changed = false;
  const typing: ChatState["typing"] = {};
  for (const [roomId, users] of Object.entries(s.typing)) {
    const kept = Object.fromEntries(Object.entries(users).filter(([, until]) => until > now));
    if (Object.keys(kept).length !== Object.keys(users).length) changed = true;
    typing[roomId] = kept;
  }
  return changed ? { ...s, typing } : s;
}

// Derived values the UI shows.

export function unreadCount(s: ChatState, roomId: Id): number {
  return s.rooms[roomId] ? readOf(s, roomId).unread : 0;
}

export function mentionCount(s: ChatState, roomId: Id): number {
  return s.rooms[roomId] ? readOf(s, roomId).mentions : 0;
}

export function totalUnread(s: ChatState): number {
  return Object.keys(s.rooms).reduce((n, id) => n + unreadCount(s, id), 0);
}

/** What waits in the rooms other than the open one: for the ☰ button of a phone, whose
 * sidebar is hidden. */
export function elsewhere(s: ChatState): { unread: boolean; mentions: number } {
  let unread = false;
  let mentions = 0;
  for (const id of Object.keys(s.rooms)) {
    if (id === s.active) continue;
    unread ||= unreadCount(s, id) > 0;
    mentions += mentionCount(s, id);
  }
  return { unread, mentions };
}

/** The `sync` frame's `since`: every room this client knows, from where it left off. */
export function syncSince(s: ChatState): Record<Id, number> {
  const since: Record<Id, number> = {};
  for (const id of Object.keys(s.rooms)) since[id] = s.cursors[id] ?? s.rooms[id].last_seq;
  return since;
}

/** The `sync` frame's `revs`: changes to messages this client holds, from where it left off. */
export function syncRevs(s: ChatState): Record<Id, number> {
  const revs: Record<Id, number> = {};
  for (const id of Object.keys(s.rooms)) revs[id] = s.revs[id] ?? s.rooms[id].last_rev;
  return revs;
}

export function displayName(s: ChatState, userId: Id): string {
  return s.users[userId]?.display_name ?? "…";
}

/** A DM is titled by the other people in it; other rooms by their name. */
export function roomTitle(s: ChatState, room: Room): string {
  if (room.kind !== "dm" || !room.member_ids) return room.name;
  const others = room.member_ids.filter((id) => id !== s.me.id);
  if (others.length === 0) return s.me.display_name;
  return others.map((id) => s.users[id]?.display_name ?? room.name).join(", ");
}

const COLLATOR = new Intl.Collator();
/** The channels' order by name, kept until a room is added, removed or renamed: sorting three
 * hundred names for every message was most of what a message cost to show. */
let channelOrder: { key: string; ids: Id[] } | undefined;

/** Rooms for the sidebar: channels by name, then DMs by most recent activity. */
export function sidebarRooms(s: ChatState): { channels: Room[]; dms: Room[] } {
  const all = Object.values(s.rooms);
  const unsorted = all.filter((r) => r.kind !== "dm");
  const key = unsorted.map((r) => `${r.id}\u0000${r.name}`).join("\u0001");
  if (channelOrder?.key !== key) {
    channelOrder = { key, ids: unsorted.sort((a, b) => COLLATOR.compare(a.name, b.name)).map((r) => r.id) };
  }
  const channels = channelOrder.ids.map((id) => s.rooms[id]);
  const dms = all.filter((r) => r.kind === "dm").sort((a, b) => b.last_seq - a.last_seq || COLLATOR.compare(a.name, b.name));
  return { channels, dms };
}

export function typingNames(s: ChatState, roomId: Id): string[] {
  return Object.keys(s.typing[roomId] ?? {}).map((id) => displayName(s, id));
}

/**
 * Users an action refers to that the user cache does not hold yet. Only the action is looked at,
 * not the whole state, so this costs nothing per message beyond its sender.
 */
export function unknownUsers(s: ChatState, a: Action): Id[] {
  const ids = new Set<Id>();
  const rooms = (list: Room[]) => list.forEach((r) => r.member_ids?.forEach((id) => ids.add(id)));
  if (a.kind === "history") a.messages.forEach((m) => ids.add(m.sender_id));
  if (a.kind === "room") rooms([a.room]);
  if (a.kind === "frame") {
    const f = a.frame;
    if (f.type === "ready") rooms(f.rooms);
    if (f.type === "room") rooms([f.room]);
    if (f.type === "message" || f.type === "ack" || f.type === "message_updated") {
      ids.add(f.message.sender_id);
      f.message.reactions?.forEach((r) => r.user_ids.forEach((id) => ids.add(id)));
    }
    if (f.type === "typing" || f.type === "member") ids.add(f.user_id);
  }
  return [...ids].filter((id) => !(id in s.users));
}

/** A message in a line of text: its body, or what it did when it has none. */
export function summary(m: Pick<Message, "body" | "deleted" | "attachments"> & { html?: string }): string {
  if (m.deleted) return "deleted a message";
  // What the reader sees, not the Markdown typed: "Kickoff 🎉", not "**Kickoff** :tada:".
  if (m.body) return m.html ? plainText(m.html) || m.body : m.body;
  const files = m.attachments ?? [];
  if (files.length === 1) return `sent ${files[0].name}`;
  return files.length > 1 ? `sent ${files.length} files` : "";
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", nbsp: " " };

/**
 * The text of the server's sanitized message HTML on one line: tags dropped (blocks and line
 * breaks become spaces), entities decoded, whitespace collapsed. For previews, notifications and
 * screen readers; never inserted as HTML.
 */
export function plainText(html: string): string {
  return html
    .replace(/<(?:br|\/p|\/li|\/h[1-6]|\/tr|\/th|\/td|\/blockquote|\/pre)\b[^>]*>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#?[a-z0-9]+);/gi, (all, name: string) => ENTITIES[name.toLowerCase()] ?? (name.startsWith("#") ? decodeNumeric(name) ?? all : all))
    .replace(/\s+/g, " ")
    .trim();
}

function decodeNumeric(name: string): string | undefined {
  const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
  return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}
