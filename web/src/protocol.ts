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
}

export type RoomKind = "public" | "private" | "dm";

export interface Room {
  id: Id;
  name: string;
  kind: RoomKind;
  topic: string;
  last_seq: number;
  member_ids?: Id[];
}

export interface Message {
  id: Id;
  room_id: Id;
  seq: number;
  sender_id: Id;
  body: string;
  created_at: string;
  client_id?: string;
}

export type ClientFrame =
  | { type: "send"; room_id: Id; body: string; client_id?: string }
  | { type: "typing"; room_id: Id; active: boolean }
  | { type: "sync"; since: Record<Id, number> }
  | { type: "ping" };

export type ServerFrame =
  | { type: "ready"; user: User; rooms: Room[]; online: Id[] }
  | { type: "message"; message: Message }
  | { type: "ack"; client_id?: string; message: Message }
  | { type: "typing"; room_id: Id; user_id: Id; active: boolean }
  | { type: "presence"; user_id: Id; online: boolean }
  | { type: "member"; room_id: Id; user_id: Id; event: "joined" | "left" }
  | { type: "room"; room: Room }
  | { type: "synced" }
  | { type: "pong" }
  | { type: "error"; code: string; message: string; client_id?: string };

export const CLOSE_RESYNC = 4000;
export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_IDLE = 4002;

/** A body or frame that does not match the contract. */
export class ProtocolError extends Error {}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ProtocolError(`${what}: expected an object`);
  }
  return v as Obj;
}
function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new ProtocolError(`${k}: expected a string`);
  return v;
}
function optStr(o: Obj, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ProtocolError(`${k}: expected a string`);
  return v;
}
function int(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ProtocolError(`${k}: expected an integer`);
  }
  return v;
}
function bool(o: Obj, k: string): boolean {
  const v = o[k];
  if (typeof v !== "boolean") throw new ProtocolError(`${k}: expected a boolean`);
  return v;
}
function strArray(o: Obj, k: string): string[] {
  const v = o[k];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new ProtocolError(`${k}: expected an array of strings`);
  }
  return v as string[];
}
function array<T>(o: Obj, k: string, item: (v: unknown) => T): T[] {
  const v = o[k];
  if (!Array.isArray(v)) throw new ProtocolError(`${k}: expected an array`);
  return v.map(item);
}
function oneOf<T extends string>(o: Obj, k: string, allowed: readonly T[]): T {
  const v = str(o, k);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ProtocolError(`${k}: unexpected value ${JSON.stringify(v)}`);
  }
  return v as T;
}
/** Drops keys whose value is undefined, so decoded objects compare equal to the wire JSON. */
function clean<T extends object>(v: T): T {
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
    member_ids: o.member_ids == null ? undefined : strArray(o, "member_ids"),
  });
}

export function decodeMessage(v: unknown): Message {
  const o = obj(v, "message");
  return clean({
    id: str(o, "id"),
    room_id: str(o, "room_id"),
    seq: int(o, "seq"),
    sender_id: str(o, "sender_id"),
    body: str(o, "body"),
    created_at: str(o, "created_at"),
    client_id: optStr(o, "client_id"),
  });
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
      };
    case "message":
      return { type, message: decodeMessage(o.message) };
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
        event: oneOf(o, "event", ["joined", "left"] as const),
      };
    case "room":
      return { type, room: decodeRoom(o.room) };
    case "synced":
    case "pong":
      return { type };
    case "error":
      return clean({
        type,
        code: str(o, "code"),
        message: str(o, "message"),
        client_id: optStr(o, "client_id"),
      });
    default:
      throw new ProtocolError(`unknown frame type ${JSON.stringify(type)}`);
  }
}

export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}

// REST bodies.

export interface MessagesPage {
  messages: Message[];
  has_more: boolean;
}

export function decodeMessagesPage(v: unknown): MessagesPage {
  const o = obj(v, "page");
  return { messages: array(o, "messages", decodeMessage), has_more: bool(o, "has_more") };
}

export function decodeAuth(v: unknown): { user: User; token: string } {
  const o = obj(v, "auth");
  return { user: decodeUser(o.user), token: str(o, "token") };
}

export function decodeUsers(v: unknown): User[] {
  const o = obj(v, "users");
  return array(o, o.members !== undefined ? "members" : "users", decodeUser);
}

export function decodeRooms(v: unknown): Room[] {
  return array(obj(v, "rooms"), "rooms", decodeRoom);
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function decodeError(v: unknown): ErrorBody {
  const e = obj(obj(v, "error body").error, "error");
  return { error: { code: str(e, "code"), message: str(e, "message") } };
}
