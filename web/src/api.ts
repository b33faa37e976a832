// REST calls under /api/v1. The browser carries the session in the HttpOnly `natter_session`
// cookie that register and login set, so no token is ever visible to scripts.

import {
  decodeMessage,
  decodeRoom,
  decodeUser,
  type Message,
  type Room,
  type User,
} from "./protocol";
import {
  decodeAuth,
  decodeServerInfo,
  decodeBlocks,
  decodePins,
  decodeSearch,
  decodeThread,
  decodeError,
  decodeMessagesPage,
  decodeRooms,
  decodeUsers,
  type MessagesPage,
  type SearchResults,
  type ServerInfo,
} from "./rest";

/** An error answer from the server (`code` is stable, see docs/protocol.md), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** On `rate_limited` and `slow_mode`: how long to wait before trying again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError("network", "Cannot reach the server. Check your connection.", 0);
  }
  if (res.status === 204) return undefined;
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new ApiError("bad_response", `The server answered ${res.status} without a body.`, res.status);
  }
  if (!res.ok) {
    const { error } = decodeError(json);
    throw new ApiError(error.code, error.message, res.status, error.retry_after_ms);
  }
  return json;
}

export const api = {
  register: async (username: string, password: string, invite?: string) =>
    decodeAuth(await call("POST", "/auth/register", invite ? { username, password, invite } : { username, password }))
      .user,
  resetPassword: (token: string, new_password: string) => call("POST", "/auth/reset", { token, new_password }),
  server: async (): Promise<ServerInfo> => decodeServerInfo(await call("GET", "/server")),
  login: async (username: string, password: string) =>
    decodeAuth(await call("POST", "/auth/login", { username, password })).user,
  logout: () => call("POST", "/auth/logout"),
  me: async (): Promise<User> => decodeUser(await call("GET", "/me")),
  updateProfile: async (change: { display_name?: string; status?: string }) =>
    decodeUser(await call("PATCH", "/me", change)),
  changePassword: (current_password: string, new_password: string) =>
    call("POST", "/me/password", { current_password, new_password }),
  user: async (id: string) => decodeUser(await call("GET", `/users/${encodeURIComponent(id)}`)),
  searchUsers: async (query: string) =>
    decodeUsers(await call("GET", `/users?query=${encodeURIComponent(query)}`)),
  rooms: async (): Promise<Room[]> => decodeRooms(await call("GET", "/rooms")),
  createRoom: async (name: string, topic: string, visibility: "public" | "private") =>
    decodeRoom(await call("POST", "/rooms", { name, topic, visibility })),
  join: async (roomId: string) => decodeRoom(await call("POST", `/rooms/${roomId}/join`)),
  leave: (roomId: string) => call("POST", `/rooms/${roomId}/leave`),
  members: async (roomId: string) => decodeUsers(await call("GET", `/rooms/${roomId}/members`)),
  addMember: (roomId: string, userId: string) =>
    call("POST", `/rooms/${roomId}/members`, { user_id: userId }),
  /** A page of a room's history: the newest, the one `before` a seq, or the one `after` it. */
  history: async (roomId: string, at: { before?: number; after?: number } = {}, limit = 50): Promise<MessagesPage> => {
    let q = `limit=${limit}`;
    if (at.before !== undefined) q += `&before=${at.before}`;
    if (at.after !== undefined) q += `&after=${at.after}`;
    return decodeMessagesPage(await call("GET", `/rooms/${roomId}/messages?${q}`));
  },
  openDm: async (userIds: string[]) => decodeRoom(await call("POST", "/dms", { user_ids: userIds })),
  message: async (id: string): Promise<Message> => decodeMessage(await call("GET", `/messages/${id}`)),
  editMessage: async (id: string, body: string) => decodeMessage(await call("PATCH", `/messages/${id}`, { body })),
  deleteMessage: async (id: string) => decodeMessage(await call("DELETE", `/messages/${id}`)),
  react: async (id: string, emoji: string) =>
    decodeMessage(await call("PUT", `/messages/${id}/reactions/${encodeURIComponent(emoji)}`)),
  unreact: async (id: string, emoji: string) =>
    decodeMessage(await call("DELETE", `/messages/${id}/reactions/${encodeURIComponent(emoji)}`)),
  pin: async (id: string) => decodeMessage(await call("PUT", `/messages/${id}/pin`)),
  unpin: async (id: string) => decodeMessage(await call("DELETE", `/messages/${id}/pin`)),
  pins: async (roomId: string) => decodePins(await call("GET", `/rooms/${roomId}/pins`)),
  thread: async (id: string) => decodeThread(await call("GET", `/messages/${id}/thread?limit=100`)),
  search: async (params: Record<string, string>): Promise<SearchResults> =>
    decodeSearch(await call("GET", `/search?${new URLSearchParams(params)}`)),
  blocks: async () => decodeBlocks(await call("GET", "/blocks")),
  block: (userId: string) => call("PUT", `/users/${userId}/block`),
  unblock: (userId: string) => call("DELETE", `/users/${userId}/block`),
  discardUpload: (fileId: string) => call("DELETE", `/files/${encodeURIComponent(fileId)}`),
};

/** "5 seconds", "2 minutes": a wait as a person reads it, rounded up. */
export function waitWords(ms: number): string {
  const secs = Math.max(1, Math.ceil(ms / 1000));
  if (secs < 90) return secs === 1 ? "1 second" : `${secs} seconds`;
  const mins = Math.ceil(secs / 60);
  return `${mins} minutes`;
}

/** Words for the errors a person can cause or fix; anything else shows the server's message. */
export function describeError(e: unknown): string {
  if (!(e instanceof ApiError)) return "Something went wrong. Please try again.";
  switch (e.code) {
    case "username_taken":
      return "That username is taken. Pick another one.";
    case "invalid_credentials":
      return "Wrong username or password.";
    case "invalid_password":
      return "Passwords must be 8 to 1024 characters long.";
    case "invalid_username":
      return "Usernames are 3 to 32 characters: letters, digits, _ . and -.";
    case "rate_limited":
      return e.retryAfterMs
        ? `You are doing that too often. Try again in ${waitWords(e.retryAfterMs)}.`
        : "The server is busy. Wait a moment and try again.";
    case "room_name_taken":
      return "A public room with that name already exists.";
    case "invalid_query":
      return "A search is at most 200 characters.";
    case "file_too_large":
      return `That file is too large: ${e.message}.`;
    case "quota_exceeded":
      return "You have used all your file storage. Delete messages with files to free some.";
    case "empty_file":
      return "That file is empty.";
    case "too_many_attachments":
      return "A message can carry at most 10 files.";
    default:
      return e.message;
  }
}
