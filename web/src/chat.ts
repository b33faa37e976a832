// The controller: owns the WebSocket, applies frames and REST answers to the state through
// `reduce`, and runs the side effects around them (resync, resends, user lookups, notifications,
// settings in localStorage and the outbox in sessionStorage).

import { Drafts } from "./drafts";
import { api, ApiError } from "./api";
import { MessageActions } from "./actions";
import { HistoryLoader } from "./history";
import { notifyOf } from "./notify";
import { PresenceWatch } from "./presence";
import {
  CLOSE_SESSION_ENDED,
  CLOSE_TOO_MANY,
  decodeServerFrame,
  encodeClientFrame,
  type Attachment,
  type ClientFrame,
  type Id,
  type Message,
  type Room,
  type ServerFrame,
  type User,
} from "./protocol";
import {
  initialState,
  readOf,
  reduce,
  syncRevs,
  syncSince,
  unknownUsers,
  type Action,
  type ChatState,
  type Pending,
} from "./state";
import { keys, load, save } from "./storage";
import { backoffDelay } from "./timeline";
import { behind } from "./window";

/** Client-side heartbeat: a `ping` this often, and a connection silent for DEAD_MS is dropped. */
const PING_MS = 20_000;
const DEAD_MS = 45_000;
/** A send not acknowledged this long after it went out on an open connection is marked failed. */
const ACK_TIMEOUT_MS = 15_000;
/** Typing frames are refreshed at most this often while the user keeps typing. */
export const TYPING_THROTTLE_MS = 3_000;
/** Largest message body the server accepts, in characters. */
export const MAX_BODY_CHARS = 4000;

export interface Settings {
  notifications: boolean;
}

type Listener = (s: ChatState) => void;

/** The message the outbox shows for a send that got no answer; such sends are retried by themselves. */
const NO_ANSWER = "No answer from the server.";
/** While connected, clock-only changes ("last seen 5 min ago") are shown this often. */
const CLOCK_EMIT_MS = 30_000;
/** Read positions go to the server at most this often per room. */
const READ_EVERY_MS = 1000;
/** Opening a room with more unread than this starts at the first unread, not the newest. */
const UNREAD_PAGE = 40;
/** The server refuses a `sync` naming more rooms than this. */
const SYNC_MAX_ROOMS = 1000;

export function newClientId(): string {
  return `web-${crypto.randomUUID()}`;
}

export class Chat {
  state: ChatState;
  /** Edits, deletes, reactions, pins and blocks. */
  readonly actions: MessageActions = new MessageActions(this);
  /** The rooms' windows of history. */
  readonly history: HistoryLoader = new HistoryLoader(this);
  /** The people whose presence the open members panel shows. */
  readonly presence = new PresenceWatch((frame) => this.sendFrame(frame));
  /** When the next reconnect attempt is due (ms since the epoch), while offline. */
  retryAt: number | null = null;
  settings: Settings;
  private listeners = new Set<Listener>();
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private syncsLeft = 0;
  /** Closed to make way for a newer connection of this account: wait for the user. */
  replaced = false;
  /** What the user typed and has not sent, per room, kept in this browser. */
  readonly drafts: Drafts;
  private lastPingAt = 0;
  private lastClockEmit = 0;
  private requested = new Set<Id>();
  private readWanted: Record<Id, number> = {};
  private readSentAt: Record<Id, number> = {};
  private readTimers = new Map<Id, ReturnType<typeof setTimeout>>();
  private typingSentAt: Record<Id, number> = {};
  private ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private stopped = false;
  private reconnecting = false;

  constructor(
    me: User,
    private onSignedOut: () => void,
  ) {
    const k = keys(me.id);
    this.state = initialState(me);
    this.settings = load(localStorage, k.settings, { notifications: false });
    this.drafts = new Drafts(k.drafts, localStorage);
    const outbox = load<Pending[]>(sessionStorage, k.outbox, []);
    for (const p of outbox) this.dispatch({ kind: "queue", pending: { ...p, status: "queued" } });
  }

  private emit() {
    for (const l of this.listeners) l(this.state);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  start() {
    this.connect();
    this.tickTimer = setInterval(() => this.tick(), 1000);
    window.addEventListener("online", this.retryNow);
  }

  stop() {
    this.stopped = true;
    for (const t of this.readTimers.values()) clearTimeout(t);
    this.readTimers.clear();
    clearTimeout(this.retryTimer);
    clearInterval(this.tickTimer);
    window.removeEventListener("online", this.retryNow);
    this.ws?.close(1000);
    this.ws = null;
  }

  dispatch(a: Action) {
    const before = this.state;
    this.state = reduce(before, a);
    if (this.state === before) return;
    const k = keys(this.state.me.id);
    if (this.state.pending !== before.pending) save(sessionStorage, k.outbox, this.state.pending);
    this.emit();
    this.fetchUnknownUsers(a);
  }

  // Connection.

  private connect() {
    if (this.stopped) return;
    this.retryAt = null;
    this.ws?.close();
    this.dispatch({ kind: "conn", conn: "connecting" });
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    this.ws = ws;
    this.lastFrameAt = Date.now();
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = decodeServerFrame(JSON.parse(String(ev.data)));
      } catch (e) {
        console.error("natter: ignoring a frame that breaks the protocol", e);
        return;
      }
      this.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === CLOSE_SESSION_ENDED) {
        this.signedOut();
        return;
      }
      if (ev.code === CLOSE_TOO_MANY) {
        // Reconnecting by itself would close another tab, which would do the same back.
        this.replaced = true;
        clearTimeout(this.retryTimer);
        this.dispatch({ kind: "conn", conn: "offline" });
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    this.dispatch({ kind: "conn", conn: "offline" });
    for (const t of this.ackTimers.values()) clearTimeout(t);
    this.ackTimers.clear();
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, Math.random());
    this.retryAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.reconnect(), delay);
  }

  /** Called when the browser says the network is back, or the user asks: try at once. */
  retryNow = () => {
    if (this.ws || this.stopped || this.reconnecting) return;
    clearTimeout(this.retryTimer);
    void this.reconnect();
  };

  private async reconnect() {
    if (this.reconnecting) return;
    this.replaced = false;
    this.reconnecting = true;
    this.dispatch({ kind: "conn", conn: "connecting" });
    // A page left open past its session's end must not spin: check the session first.
    try {
      await api.me();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.signedOut();
      } else {
        this.scheduleReconnect();
      }
      return;
    } finally {
      this.reconnecting = false;
    }
    this.connect();
  }

  /** The session ended without the user asking (expired, revoked): their drafts stay for when
   * they sign in again; a sign-out they chose drops them too (`forget`). */
  private signedOut() {
    this.forget(false);
    this.onSignedOut();
  }

  /** Stops, and drops what this tab kept for the user: unsent messages, and with `drafts` (a
   * sign-out the user chose, say on a shared computer) what they typed and did not send. */
  forget(drafts = true) {
    this.stop();
    try {
      sessionStorage.removeItem(keys(this.state.me.id).outbox);
      if (drafts) localStorage.removeItem(keys(this.state.me.id).drafts);
    } catch {
      // Storage disabled: nothing was kept.
    }
  }

  private sendFrame(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encodeClientFrame(frame));
    return true;
  }

  private onFrame(frame: ServerFrame) {
    const before = this.state;
    this.dispatch({ kind: "frame", frame, now: Date.now() });
    switch (frame.type) {
      case "ready": {
        this.presence.resend();
        // Resume every known room from where this client left off (docs/protocol.md §5), in
        // as many frames as the server's per-sync limit needs.
        const since = Object.entries(syncSince(this.state));
        const revs = syncRevs(this.state);
        this.syncsLeft = Math.max(1, Math.ceil(since.length / SYNC_MAX_ROOMS));
        for (let i = 0; i < this.syncsLeft; i++) {
          const part = since.slice(i * SYNC_MAX_ROOMS, (i + 1) * SYNC_MAX_ROOMS);
          const partRevs = Object.fromEntries(part.map(([id]) => [id, revs[id]]));
          this.sendFrame({ type: "sync", since: Object.fromEntries(part), revs: partRevs });
        }
        break;
      }
      case "synced":
        if (frame.more && Object.keys(frame.more).length > 0) {
          // The server stopped at its replay cap: ask again from where its replay got to (live
          // messages may already have arrived past it).
          this.sendFrame({ type: "sync", since: frame.more, revs: {} });
          break;
        }
        if (--this.syncsLeft > 0) break;
        this.attempt = 0;
        this.dispatch({ kind: "conn", conn: "online" });
        // Sends that timed out on a connection that turned out dead are safe to send again:
        // the same client_id is stored once.
        this.requeueUnanswered();
        this.flush();
        // The open room's history, if it could not be loaded before (and is not being loaded).
        if (this.state.active && !this.state.timelines[this.state.active]?.loaded && !this.history.loading(this.state.active)) {
          void this.openAt(this.state.active);
        }
        break;
      case "message":
        this.maybeNotify(before, frame.message);
        break;
      case "ack":
      case "error":
        if (frame.client_id) {
          clearTimeout(this.ackTimers.get(frame.client_id));
          this.ackTimers.delete(frame.client_id);
        }
        if (frame.type === "error" && frame.code === "rate_limited" && frame.retry_after_ms) {
          this.retryLater(frame.client_id, frame.retry_after_ms);
        }
        break;
      case "member":
        if (frame.user_id !== this.state.me.id && this.state.members[frame.room_id]) {
          void this.loadMembers(frame.room_id);
        }
        break;
    }
  }

  /** A send (or, with no client_id, a resync) the server refused for now goes again once the
   * wait it named is over. */
  private retryLater(clientId: string | undefined, ms: number) {
    const socket = this.ws;
    setTimeout(() => {
      if (this.ws !== socket) return; // a reconnect resyncs and resends by itself
      if (!clientId) {
        if (this.syncsLeft > 0) {
          const since = syncSince(this.state);
          this.sendFrame({ type: "sync", since, revs: syncRevs(this.state) });
        }
        return;
      }
      const p = this.state.pending.find((x) => x.clientId === clientId && x.status === "failed");
      if (p) {
        this.requeue(p);
        this.flush();
      }
    }, Math.min(ms, 10 * 60_000));
  }

  private requeueUnanswered() {
    const unanswered = this.state.pending.filter((p) => p.status === "failed" && p.error === NO_ANSWER);
    for (const p of unanswered) this.requeue(p);
  }

  /** Puts a pending send back at the end of the queue, keeping its client_id. */
  private requeue(p: Pending) {
    this.dispatch({ kind: "discard", clientId: p.clientId });
    this.dispatch({ kind: "queue", pending: { ...p, status: "queued", error: undefined } });
  }

  private tick() {
    const now = Date.now();
    if (Object.values(this.state.typing).some((r) => Object.keys(r).length > 0)) {
      this.dispatch({ kind: "expire-typing", now });
    }
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      if (now - this.lastFrameAt > DEAD_MS) {
        // Nothing heard for too long, not even a pong: the connection is dead without knowing it.
        const ws = this.ws;
        this.ws = null;
        ws.close();
        this.scheduleReconnect();
      } else if (now - this.lastPingAt > PING_MS) {
        this.lastPingAt = now;
        this.sendFrame({ type: "ping" });
      }
    }
    // The reconnect countdown moves every second, "last seen" labels every minute; a re-render
    // of the whole screen each second is needed only for the first.
    if (this.state.conn === "offline" || now - this.lastClockEmit >= CLOCK_EMIT_MS) {
      this.lastClockEmit = now;
      this.emit();
    }
  }

  // Sending.

  send(roomId: Id, body: string, replyTo?: Id, attachments?: Attachment[]) {
    const pending: Pending = {
      clientId: newClientId(),
      roomId,
      body,
      createdAt: Date.now(),
      status: "queued",
      replyTo,
    };
    if (attachments?.length) pending.attachments = attachments;
    this.dispatch({ kind: "queue", pending });
    this.stopTyping(roomId);
    this.flush();
  }

  /** Sends a failed message again with its original client_id, so it is never stored twice. */
  retry(clientId: string) {
    const p = this.state.pending.find((x) => x.clientId === clientId);
    if (!p) return;
    this.requeue(p);
    this.flush();
  }

  discard(clientId: string) {
    this.dispatch({ kind: "discard", clientId });
  }

  private flush() {
    if (this.state.conn !== "online") return;
    const sent: string[] = [];
    for (const p of this.state.pending) {
      if (p.status !== "queued") continue;
      const frame: ClientFrame = { type: "send", room_id: p.roomId, body: p.body, client_id: p.clientId };
      if (p.replyTo) frame.reply_to = p.replyTo;
      if (p.attachments?.length) frame.attachments = p.attachments.map((a) => a.id);
      if (!this.sendFrame(frame)) break;
      sent.push(p.clientId);
      const timer = setTimeout(() => {
        this.ackTimers.delete(p.clientId);
        const still = this.state.pending.find((x) => x.clientId === p.clientId);
        if (still?.status === "sending") {
          this.dispatch({ kind: "failed", clientId: p.clientId, error: NO_ANSWER });
        }
      }, ACK_TIMEOUT_MS);
      this.ackTimers.set(p.clientId, timer);
    }
    if (sent.length) this.dispatch({ kind: "sending", clientIds: sent });
  }

  typing(roomId: Id) {
    const now = Date.now();
    if (now - (this.typingSentAt[roomId] ?? 0) < TYPING_THROTTLE_MS) return;
    if (this.sendFrame({ type: "typing", room_id: roomId, active: true })) this.typingSentAt[roomId] = now;
  }

  stopTyping(roomId: Id) {
    if (!this.typingSentAt[roomId]) return;
    delete this.typingSentAt[roomId];
    this.sendFrame({ type: "typing", room_id: roomId, active: false });
  }

  // Rooms and history.

  /** Opens a room (at message `seq`, for a link or a search result); resolves whether that
   * message is in the room's window, ready to be shown. */
  async open(roomId: Id | null, seq?: number): Promise<boolean> {
    this.dispatch({ kind: "open", roomId });
    if (!roomId) return false;
    const t = this.state.timelines[roomId];
    // Loaded already, it opens as it is, unless it starts after where the user left off.
    const marker = this.state.markers[roomId];
    const first = t?.messages[0]?.seq;
    const missesUnread = marker !== undefined && first !== undefined && first > marker + 1;
    const history =
      seq !== undefined
        ? this.history.reveal(roomId, seq)
        : t?.loaded && !missesUnread
          ? Promise.resolve(true)
          : this.openAt(roomId);
    const [shown] = await Promise.all([history, this.loadMembers(roomId)]);
    return shown;
  }

  /** Loads an opened room's history where the user will read: the newest page, or, when more is
   * unread than a page holds, the messages around where they left off. */
  private openAt(roomId: Id): Promise<boolean> {
    const r = readOf(this.state, roomId);
    const cursor = this.state.cursors[roomId] ?? 0;
    const marker = this.state.markers[roomId];
    if (marker !== undefined && r.unread > 0 && cursor - marker > UNREAD_PAGE) return this.history.around(roomId, marker);
    return this.history.newest(roomId);
  }

  /** Loads the room's newest messages if its window is further back (to show what was just sent,
   * or "Jump to newest"). */
  showNewest(roomId: Id): Promise<boolean> {
    if (!behind(this.state.timelines[roomId], this.state.cursors[roomId] ?? 0)) return Promise.resolve(true);
    return this.history.newest(roomId);
  }

  async loadMembers(roomId: Id) {
    try {
      const members = await api.members(roomId);
      this.dispatch({ kind: "members", roomId, members });
    } catch (e) {
      console.warn("natter: loading members failed", e);
    }
  }

  /** The user has seen the room to its end: tell the server, which tells their other sessions. */
  markRead(roomId: Id) {
    const room = this.state.rooms[roomId];
    if (!room) return;
    const r = readOf(this.state, roomId);
    if (r.last_read >= room.last_seq && r.unread === 0) return;
    this.dispatch({ kind: "read", roomId, seq: room.last_seq });
    this.reportRead(roomId, room.last_seq);
  }

  /** Tells the server how far the user has read: at once, then at most once a second per room
   * (a busy room read live would otherwise send a frame per message), the last one always. */
  private reportRead(roomId: Id, seq: number) {
    this.readWanted[roomId] = Math.max(this.readWanted[roomId] ?? 0, seq);
    if (this.readTimers.has(roomId)) return;
    const send = () => {
      this.readSentAt[roomId] = Date.now();
      this.sendFrame({ type: "read", room_id: roomId, seq: this.readWanted[roomId] });
    };
    const wait = (this.readSentAt[roomId] ?? 0) + READ_EVERY_MS - Date.now();
    if (wait <= 0) return send();
    this.readTimers.set(
      roomId,
      setTimeout(() => {
        this.readTimers.delete(roomId);
        send();
      }, wait),
    );
  }

  /** The user has read the room up to message `seq` (the last one on screen while they read
   * further back than its end). */
  markReadUpTo(roomId: Id, seq: number) {
    if (seq >= (this.state.rooms[roomId]?.last_seq ?? 0)) return this.markRead(roomId);
    if (readOf(this.state, roomId).last_read >= seq) return;
    this.dispatch({ kind: "read", roomId, seq });
    this.reportRead(roomId, seq);
  }

  /** Marks every room read, as far as each goes now ("Mark all as read"). */
  markAllRead() {
    for (const id of Object.keys(this.state.rooms)) this.markRead(id);
  }

  addRoom(room: Room) {
    this.dispatch({ kind: "room", room });
  }

  async leave(roomId: Id) {
    await api.leave(roomId);
    this.dispatch({
      kind: "frame",
      frame: { type: "member", room_id: roomId, user_id: this.state.me.id, event: "left" },
      now: Date.now(),
    });
  }

  // Users.

  private fetchUnknownUsers(a: Action) {
    for (const id of unknownUsers(this.state, a)) {
      if (this.requested.has(id)) continue;
      this.requested.add(id);
      api.user(id).then(
        (u) => this.dispatch({ kind: "users", users: [u] }),
        () => this.dispatch({
          kind: "users",
          users: [{ id, username: "unknown", display_name: "Unknown user", status: "", is_admin: false }],
        }),
      );
    }
  }

  setMe(user: User) {
    this.dispatch({ kind: "users", users: [user] });
    this.state = { ...this.state, me: user };
    this.emit();
  }

  // Notifications.

  setNotifications(on: boolean) {
    this.settings = { ...this.settings, notifications: on };
    save(localStorage, keys(this.state.me.id).settings, this.settings);
    this.emit();
  }

  private maybeNotify(before: ChatState, m: Message) {
    if (this.settings.notifications) notifyOf(before, this.state, m, (roomId) => this.open(roomId));
  }

}

