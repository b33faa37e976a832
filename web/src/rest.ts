// REST bodies: the answers of the REST endpoints that are not also WebSocket frames, decoded
// and checked like the frames (see protocol.ts).

import {
  array,
  bool,
  clean,
  decodeMessage,
  decodeRoom,
  decodeUser,
  obj,
  oneOf,
  optInt,
  optStr,
  str,
  strArray,
  type Id,
  type Message,
  type Room,
  type User,
} from "./protocol";

export interface MessagesPage {
  messages: Message[];
  has_more: boolean;
}

export function decodeMessagesPage(v: unknown): MessagesPage {
  const o = obj(v, "page");
  return { messages: array(o, "messages", decodeMessage), has_more: bool(o, "has_more") };
}

export interface Thread {
  root: Message;
  replies: Message[];
  has_more: boolean;
}

export function decodeThread(v: unknown): Thread {
  const o = obj(v, "thread");
  return { root: decodeMessage(o.root), replies: array(o, "replies", decodeMessage), has_more: bool(o, "has_more") };
}

export function decodePins(v: unknown): Message[] {
  return array(obj(v, "pins"), "messages", decodeMessage);
}

export interface SearchHit {
  message: Message;
  /** Escaped text with matches in <mark>, built by the server. */
  snippet_html: string;
}

export interface SearchResults {
  hits: SearchHit[];
  next_offset?: number;
}

export function decodeSearch(v: unknown): SearchResults {
  const o = obj(v, "search");
  return clean({
    hits: array(o, "hits", (h) => {
      const hit = obj(h, "hit");
      return { message: decodeMessage(hit.message), snippet_html: str(hit, "snippet_html") };
    }),
    next_offset: optInt(o, "next_offset"),
  });
}

export function decodeBlocks(v: unknown): Id[] {
  return strArray(obj(v, "blocks"), "user_ids");
}

export type Registration = "open" | "invite" | "closed";

export interface ServerInfo {
  name: string;
  registration: Registration;
}

export function decodeServerInfo(v: unknown): ServerInfo {
  const o = obj(v, "server");
  return { name: str(o, "name"), registration: oneOf(o, "registration", ["open", "invite", "closed"] as const) };
}

export function decodeAuth(v: unknown): { user: User; token: string; device_token?: string } {
  const o = obj(v, "auth");
  return clean({ user: decodeUser(o.user), token: str(o, "token"), device_token: optStr(o, "device_token") });
}

export function decodeUsers(v: unknown): User[] {
  const o = obj(v, "users");
  return array(o, o.members !== undefined ? "members" : "users", decodeUser);
}

export function decodeRooms(v: unknown): Room[] {
  return array(obj(v, "rooms"), "rooms", decodeRoom);
}

export interface ErrorBody {
  error: { code: string; message: string; retry_after_ms?: number };
}

export function decodeError(v: unknown): ErrorBody {
  const e = obj(obj(v, "error body").error, "error");
  const error = clean({ code: str(e, "code"), message: str(e, "message"), retry_after_ms: optInt(e, "retry_after_ms") });
  return { error };
}
