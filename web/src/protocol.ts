// The wire contract with the server (docs/protocol.md), in one place. Every frame and REST body
// the client reads goes through a decoder here, so a server change that breaks the contract
// fails loudly (and in `protocol.test.ts`, which replays frames recorded from the Rust types).

export type Id = string;

export interface User {
  id: Id;
  username: string;
  display_name: string;
  status: string;
  is_admin: boolean;
  last_seen?: string;
  deactivated?: boolean;
  deleted?: boolean;
}

export type RoomKind = "public" | "private" | "dm";

/** How someone's membership of a room changed; all but `joined` mean they are out. */
export type MemberEvent = "joined" | "left" | "kicked" | "banned";

export interface Room {
  id: Id;
  name: string;
  kind: RoomKind;
  topic: string;
  last_seq: number;
  last_rev: number;
  owner_id?: Id;
  moderator_ids?: Id[];
  slow_mode_secs?: number;
  archived?: boolean;
  members_can_set_topic?: boolean;
  members_can_add?: boolean;
  member_ids?: Id[];
}

export interface ReplyRef {
  id: Id;
  seq: number;
  sender_id: Id;
  excerpt: string;
  deleted?: boolean;
}

export interface Reaction {
  emoji: string;
  user_ids: Id[];
}

/** An uploaded file; an `image` has a thumbnail and is shown inline. */
export interface Attachment {
  id: Id;
  name: string;
  content_type: string;
  size: number;
  image?: { width: number; height: number };
}

/** The caller's storage and the server's limits, in bytes. */
export interface StorageUsage {
  used_bytes: number;
  quota_bytes: number;
  max_file_bytes: number;
}

/**
 * A message as it is now. `html` is the server's sanitized rendering of `body`, the only form
 * the client ever inserts as HTML; `body` is always shown as text.
 */
export interface Message {
  id: Id;
  room_id: Id;
  seq: number;
  sender_id: Id;
  body: string;
  html: string;
  created_at: string;
  client_id?: string;
  rev?: number;
  edited_at?: string;
  deleted?: boolean;
  reply_to?: ReplyRef;
  thread_root?: Id;
  reply_count?: number;
  last_reply_at?: string;
  pinned_at?: string;
  mentions?: Id[];
  mentions_room?: boolean;
  reactions?: Reaction[];
  attachments?: Attachment[];
}

export interface ReadState {
  room_id: Id;
  last_read: number;
  unread: number;
  mentions: number;
}

export type ClientFrame =
  | { type: "send"; room_id: Id; body: string; client_id?: string; reply_to?: Id; attachments?: Id[] }
  | { type: "typing"; room_id: Id; active: boolean }
  | { type: "sync"; since: Record<Id, number>; revs?: Record<Id, number> }
  | { type: "read"; room_id: Id; seq: number }
  | { type: "ping" }
  | { type: "watch_presence"; user_ids: Id[] };

export type ServerFrame =
  | { type: "ready"; user: User; rooms: Room[]; online: Id[]; reads: ReadState[]; blocked: Id[] }
  | { type: "message"; message: Message }
  | { type: "message_updated"; message: Message }
  | ({ type: "read" } & ReadState)
  | { type: "blocked"; user_id: Id; blocked: boolean }
  | { type: "ack"; client_id?: string; message: Message }
  | { type: "typing"; room_id: Id; user_id: Id; active: boolean }
  | { type: "presence"; user_id: Id; online: boolean }
  | { type: "member"; room_id: Id; user_id: Id; event: MemberEvent }
  | { type: "muted"; room_id: Id; user_id: Id; muted: boolean; until?: string }
  | { type: "room"; room: Room }
  | { type: "user"; user: User }
  | { type: "room_deleted"; room_id: Id }
  | { type: "report"; report: Report }
  | { type: "report_resolved"; report_id: Id; action: string }
  | { type: "invited"; room: Room; by: Id }
  /** `more`: rooms whose replay stopped at the server's cap, each with the last seq replayed;
   * ask again from exactly that seq. */
  | { type: "synced"; more?: Record<Id, number> }
  | { type: "pong" }
  | { type: "error"; code: string; message: string; client_id?: string; retry_after_ms?: number };

export const CLOSE_RESYNC = 4000;
export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_IDLE = 4002;
/** The account opened too many connections and this, the oldest, made way. */
export const CLOSE_TOO_MANY = 4003;

/** A body or frame that does not match the contract. */
export class ProtocolError extends Error {}

type Obj = Record<string, unknown>;

export function obj(v: unknown, what: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ProtocolError(`${what}: expected an object`);
  }
  return v as Obj;
}
export function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new ProtocolError(`${k}: expected a string`);
  return v;
}
export function optStr(o: Obj, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ProtocolError(`${k}: expected a string`);
  return v;
}
export function int(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ProtocolError(`${k}: expected an integer`);
  }
  return v;
}
export function optInt(o: Obj, k: string): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : int(o, k);
}
/** An optional flag the server omits when false; decoded as absent unless true. */
function flag(o: Obj, k: string): true | undefined {
  if (o[k] === undefined || o[k] === null) return undefined;
  return bool(o, k) ? true : undefined;
}
export function bool(o: Obj, k: string): boolean {
  const v = o[k];
  if (typeof v !== "boolean") throw new ProtocolError(`${k}: expected a boolean`);
  return v;
}
/** An object whose every value is an integer, such as `{"12": 500}`. */
function intRecord(o: Obj, k: string): Record<string, number> {
  const r = obj(o[k], k);
  for (const key of Object.keys(r)) int(r, key);
  return r as Record<string, number>;
}
export function strArray(o: Obj, k: string): string[] {
  const v = o[k];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new ProtocolError(`${k}: expected an array of strings`);
  }
  return v as string[];
}
export function array<T>(o: Obj, k: string, item: (v: unknown) => T): T[] {
  const v = o[k];
  if (!Array.isArray(v)) throw new ProtocolError(`${k}: expected an array`);
  return v.map(item);
}
export function oneOf<T extends string>(o: Obj, k: string, allowed: readonly T[]): T {
  const v = str(o, k);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ProtocolError(`${k}: unexpected value ${JSON.stringify(v)}`);
  }
  return v as T;
}
/** Drops keys whose value is undefined, so decoded objects compare equal to the wire JSON. */
export function clean<T extends object>(v: T): T {
  for (const k of Object.keys(v) as (keyof T)[]) if (v[k] === undefined) delete v[k];
  return v;
}

export function decodeUser(v: unknown): User {
  const o = obj(v, "user");
  return clean({
    id: str(o, "id"),
    username: str(o, "username"),
    display_name: str(o, "display_name"),
    status: typeof o.status === "string" ? o.status : "",
    is_admin: typeof o.is_admin === "boolean" ? o.is_admin : false,
    last_seen: optStr(o, "last_seen"),
    deactivated: o.deactivated === true ? true : undefined,
    deleted: o.deleted === true ? true : undefined,
  });
}

export function decodeRoom(v: unknown): Room {
  const o = obj(v, "room");
  return clean({
    id: str(o, "id"),
    name: str(o, "name"),
    kind: oneOf(o, "kind", ["public", "private", "dm"] as const),
    topic: str(o, "topic"),
    last_seq: int(o, "last_seq"),
    last_rev: optInt(o, "last_rev") ?? 0,
    owner_id: optStr(o, "owner_id"),
    moderator_ids: o.moderator_ids == null ? undefined : strArray(o, "moderator_ids"),
    slow_mode_secs: optInt(o, "slow_mode_secs"),
    archived: o.archived === true ? true : undefined,
    members_can_set_topic: typeof o.members_can_set_topic === "boolean" ? o.members_can_set_topic : undefined,
    members_can_add: typeof o.members_can_add === "boolean" ? o.members_can_add : undefined,
    member_ids: o.member_ids == null ? undefined : strArray(o, "member_ids"),
  });
}

function decodeReplyRef(v: unknown): ReplyRef {
  const o = obj(v, "reply_to");
  return clean({
    id: str(o, "id"),
    seq: int(o, "seq"),
    sender_id: str(o, "sender_id"),
    excerpt: str(o, "excerpt"),
    deleted: flag(o, "deleted"),
  });
}

function decodeReaction(v: unknown): Reaction {
  const o = obj(v, "reaction");
  return { emoji: str(o, "emoji"), user_ids: strArray(o, "user_ids") };
}

export function decodeAttachment(v: unknown): Attachment {
  const o = obj(v, "attachment");
  let image: Attachment["image"];
  if (o.image != null) {
    const i = obj(o.image, "image");
    image = { width: int(i, "width"), height: int(i, "height") };
  }
  return clean({
    id: str(o, "id"),
    name: str(o, "name"),
    content_type: str(o, "content_type"),
    size: int(o, "size"),
    image,
  });
}

export function decodeStorageUsage(v: unknown): StorageUsage {
  const o = obj(v, "storage usage");
  return {
    used_bytes: int(o, "used_bytes"),
    quota_bytes: int(o, "quota_bytes"),
    max_file_bytes: int(o, "max_file_bytes"),
  };
}

export function decodeMessage(v: unknown): Message {
  const o = obj(v, "message");
  return clean({
    id: str(o, "id"),
    room_id: str(o, "room_id"),
    seq: int(o, "seq"),
    sender_id: str(o, "sender_id"),
    body: str(o, "body"),
    html: typeof o.html === "string" ? o.html : "",
    created_at: str(o, "created_at"),
    client_id: optStr(o, "client_id"),
    rev: optInt(o, "rev"),
    edited_at: optStr(o, "edited_at"),
    deleted: flag(o, "deleted"),
    reply_to: o.reply_to == null ? undefined : decodeReplyRef(o.reply_to),
    thread_root: optStr(o, "thread_root"),
    reply_count: optInt(o, "reply_count"),
    last_reply_at: optStr(o, "last_reply_at"),
    pinned_at: optStr(o, "pinned_at"),
    mentions: o.mentions == null ? undefined : strArray(o, "mentions"),
    mentions_room: flag(o, "mentions_room"),
    reactions: o.reactions == null ? undefined : array(o, "reactions", decodeReaction),
    attachments: o.attachments == null ? undefined : array(o, "attachments", decodeAttachment),
  });
}

export function decodeReadState(v: unknown): ReadState {
  const o = obj(v, "read state");
  return {
    room_id: str(o, "room_id"),
    last_read: int(o, "last_read"),
    unread: int(o, "unread"),
    mentions: int(o, "mentions"),
  };
}

export function decodeServerFrame(v: unknown): ServerFrame {
  const o = obj(v, "frame");
  const type = str(o, "type");
  switch (type) {
    case "ready":
      return {
        type,
        user: decodeUser(o.user),
        rooms: array(o, "rooms", decodeRoom),
        online: strArray(o, "online"),
        reads: o.reads == null ? [] : array(o, "reads", decodeReadState),
        blocked: o.blocked == null ? [] : strArray(o, "blocked"),
      };
    case "message":
    case "message_updated":
      return { type, message: decodeMessage(o.message) };
    case "read":
      return { type, ...decodeReadState(o) };
    case "blocked":
      return { type, user_id: str(o, "user_id"), blocked: bool(o, "blocked") };
    case "ack":
      return clean({ type, client_id: optStr(o, "client_id"), message: decodeMessage(o.message) });
    case "typing":
      return { type, room_id: str(o, "room_id"), user_id: str(o, "user_id"), active: bool(o, "active") };
    case "presence":
      return { type, user_id: str(o, "user_id"), online: bool(o, "online") };
    case "member":
      return {
        type,
        room_id: str(o, "room_id"),
        user_id: str(o, "user_id"),
        event: oneOf(o, "event", ["joined", "left", "kicked", "banned"] as const),
      };
    case "muted":
      return clean({
        type,
        room_id: str(o, "room_id"),
        user_id: str(o, "user_id"),
        muted: bool(o, "muted"),
        until: optStr(o, "until"),
      });
    case "room":
      return { type, room: decodeRoom(o.room) };
    case "user":
      return { type, user: decodeUser(o.user) };
    case "room_deleted":
      return { type, room_id: str(o, "room_id") };
    case "report":
      return { type, report: decodeReport(o.report) };
    case "report_resolved":
      return { type, report_id: str(o, "report_id"), action: str(o, "action") };
    case "invited":
      return { type, room: decodeRoom(o.room), by: str(o, "by") };
    case "synced":
      return clean({ type, more: o.more === undefined ? undefined : intRecord(o, "more") });
    case "pong":
      return { type };
    case "error":
      return clean({
        type,
        code: str(o, "code"),
        message: str(o, "message"),
        client_id: optStr(o, "client_id"),
        retry_after_ms: optInt(o, "retry_after_ms"),
      });
    default:
      throw new ProtocolError(`unknown frame type ${JSON.stringify(type)}`);
  }
}

export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}

export interface Report {
  id: Id;
  message_id: Id;
  room_id: Id;
  sender_id: Id;
  reporter_id: Id;
  reason: string;
  excerpt: string;
  at: string;
  resolution?: { action: string; by?: Id; at: string; note: string };
}

export function decodeReport(v: unknown): Report {
  const o = obj(v, "report");
  const r = o.resolution == null ? undefined : obj(o.resolution, "resolution");
  return clean({
    id: str(o, "id"),
    message_id: str(o, "message_id"),
    room_id: str(o, "room_id"),
    sender_id: str(o, "sender_id"),
    reporter_id: str(o, "reporter_id"),
    reason: str(o, "reason"),
    excerpt: str(o, "excerpt"),
    at: str(o, "at"),
    resolution: r && clean({ action: str(r, "action"), by: optStr(r, "by"), at: str(r, "at"), note: str(r, "note") }),
  });
}

/**
 * Refusals that sending the same thing again can never turn into success: the content itself is
 * wrong (too long, too large, a mention or a reply it may not make) or its id was used. A
 * failure with one of these offers no Retry; rate limits, slow mode, a mute, the server or the
 * network may pass, and do.
 */
const FINAL_CODES = new Set([
  "invalid_body", "invalid_client_id", "client_id_reused", "invalid_request", "malformed_json",
  "forbidden", "not_found", "file_too_large", "empty_file", "too_many_attachments",
  "file_already_attached", "payload_too_large", "invalid_file_name", "unsupported_media_type",
]);

/** Whether a refusal with this code would be refused again, whatever the wait. */
export function isFinal(code: string): boolean {
  return FINAL_CODES.has(code);
}
