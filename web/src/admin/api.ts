// REST calls of administration and moderation, with decoders that refuse a body of the wrong
// shape, as src/protocol.ts does for the rest of the contract (docs/protocol.md).

import { call } from "../api";
import {
  array,
  bool,
  clean,
  decodeReport,
  decodeRoom,
  decodeUser,
  int,
  obj,
  optStr,
  str,
  type Id,
  type Room,
  type User,
} from "../protocol";

export interface UserSummary {
  user: User;
  created_at: string;
  sessions: number;
}

export interface RoomSummary {
  room: Room;
  members: number;
}

export interface Invite {
  id: Id;
  created_by?: Id;
  created_at: string;
  expires_at: string;
  max_uses: number;
  revoked_at?: string;
  uses: { user_id: Id; used_at: string }[];
  usable: boolean;
  token?: string;
}

export interface AuditEntry {
  id: Id;
  at: string;
  kind: string;
  actor_id?: Id;
  target_user_id?: Id;
  target_room_id?: Id;
  addr?: string;
  reason: string;
  detail: string;
}

export interface Settings {
  server_name: string;
  registration: "open" | "invite" | "closed";
  members_can_invite: boolean;
  reuse_usernames: boolean;
  default_room_ids?: Id[];
}

export interface Sanction {
  room_id: Id;
  user_id: Id;
  kind: "ban" | "mute";
  until?: string;
  reason: string;
  by?: Id;
  at: string;
}

export interface Invitation {
  room: Room;
  by: Id;
  at: string;
}

function userSummary(v: unknown): UserSummary {
  const o = obj(v, "user summary");
  return { user: decodeUser(o.user), created_at: str(o, "created_at"), sessions: int(o, "sessions") };
}

function invite(v: unknown): Invite {
  const o = obj(v, "invite");
  return clean({
    id: str(o, "id"),
    created_by: optStr(o, "created_by"),
    created_at: str(o, "created_at"),
    expires_at: str(o, "expires_at"),
    max_uses: int(o, "max_uses"),
    revoked_at: optStr(o, "revoked_at"),
    uses: array(o, "uses", (u) => {
      const x = obj(u, "use");
      return { user_id: str(x, "user_id"), used_at: str(x, "used_at") };
    }),
    usable: bool(o, "usable"),
    token: optStr(o, "token"),
  });
}

function auditEntry(v: unknown): AuditEntry {
  const o = obj(v, "audit entry");
  return clean({
    id: str(o, "id"),
    at: str(o, "at"),
    kind: str(o, "kind"),
    actor_id: optStr(o, "actor_id"),
    target_user_id: optStr(o, "target_user_id"),
    target_room_id: optStr(o, "target_room_id"),
    addr: optStr(o, "addr"),
    reason: str(o, "reason"),
    detail: str(o, "detail"),
  });
}

function settings(v: unknown): Settings {
  const o = obj(v, "settings");
  const reg = str(o, "registration");
  if (reg !== "open" && reg !== "invite" && reg !== "closed") throw new Error(`registration ${reg}`);
  return clean({
    server_name: str(o, "server_name"),
    registration: reg,
    members_can_invite: bool(o, "members_can_invite"),
    reuse_usernames: bool(o, "reuse_usernames"),
    default_room_ids: Array.isArray(o.default_room_ids) ? (o.default_room_ids as Id[]) : undefined,
  });
}

function sanction(v: unknown): Sanction {
  const o = obj(v, "sanction");
  return clean({
    room_id: str(o, "room_id"),
    user_id: str(o, "user_id"),
    kind: str(o, "kind") === "ban" ? "ban" : "mute",
    until: optStr(o, "until"),
    reason: str(o, "reason"),
    by: optStr(o, "by"),
    at: str(o, "at"),
  });
}

const q = encodeURIComponent;

export const adminApi = {
  users: async (query: string) =>
    array(obj(await call("GET", `/admin/users?query=${q(query)}&limit=200`), "users"), "users", userSummary),
  createUser: async (username: string, password: string, admin: boolean) =>
    decodeUser(await call("POST", "/admin/users", { username, password, admin })),
  setAdmin: async (id: Id, admin: boolean) =>
    decodeUser(await call("PUT", `/admin/users/${id}/role`, { role: admin ? "admin" : "member" })),
  deactivate: async (id: Id, reason: string) =>
    decodeUser(await call("POST", `/admin/users/${id}/deactivate`, { reason })),
  reactivate: async (id: Id) => decodeUser(await call("POST", `/admin/users/${id}/reactivate`)),
  endSessions: (id: Id) => call("DELETE", `/admin/users/${id}/sessions`),
  resetLink: async (id: Id) => str(obj(await call("POST", `/admin/users/${id}/password-reset`), "reset"), "token"),
  deleteUser: (id: Id, reason: string) => call("DELETE", `/admin/users/${id}?reason=${q(reason)}`),
  rooms: async (query: string) =>
    array(obj(await call("GET", `/admin/rooms?query=${q(query)}&limit=200`), "rooms"), "rooms", (v) => {
      const o = obj(v, "room summary");
      return { room: decodeRoom(o.room), members: int(o, "members") } as RoomSummary;
    }),
  invites: async () => array(obj(await call("GET", "/invites"), "invites"), "invites", invite),
  createInvite: async (max_uses: number, days: number) =>
    invite(await call("POST", "/invites", { max_uses, expires_in_secs: days * 86400 })),
  revokeInvite: async (id: Id) => invite(await call("DELETE", `/invites/${id}`)),
  audit: async (filters: Record<string, string>) => {
    const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ""));
    const o = obj(await call("GET", `/admin/audit?${params}`), "audit");
    return { entries: array(o, "entries", auditEntry), next: optStr(o, "next_before") };
  },
  settings: async () => settings(await call("GET", "/admin/settings")),
  updateSettings: async (change: Partial<Settings>) => settings(await call("PATCH", "/admin/settings", change)),
  reports: async (all: boolean) =>
    array(obj(await call("GET", `/reports?status=${all ? "all" : "open"}`), "reports"), "reports", decodeReport),
  resolve: async (id: Id, action: string, duration_secs?: number) =>
    decodeReport(await call("POST", `/reports/${id}/resolve`, { action, duration_secs })),
  report: async (messageId: Id, reason: string) => decodeReport(await call("POST", `/messages/${messageId}/report`, { reason })),
  updateRoom: async (id: Id, change: Record<string, unknown>) => decodeRoom(await call("PATCH", `/rooms/${id}`, change)),
  deleteRoom: (id: Id, name: string) => call("DELETE", `/rooms/${id}?confirm=${q(name)}`),
  importRoom: (exported: unknown) => call("POST", "/rooms/import", exported),
  sanctions: async (roomId: Id, which: "bans" | "mutes") =>
    array(obj(await call("GET", `/rooms/${roomId}/${which}`), "sanctions"), "sanctions", sanction),
  lift: (roomId: Id, which: "bans" | "mutes", userId: Id) => call("DELETE", `/rooms/${roomId}/${which}/${userId}`),
  kick: (roomId: Id, userId: Id, reason: string) => call("POST", `/rooms/${roomId}/members/${userId}/kick`, { reason }),
  ban: async (roomId: Id, userId: Id, duration_secs: number | undefined, reason: string) =>
    sanction(await call("POST", `/rooms/${roomId}/bans`, { user_id: userId, duration_secs, reason })),
  mute: async (roomId: Id, userId: Id, duration_secs: number, reason: string) =>
    sanction(await call("POST", `/rooms/${roomId}/mutes`, { user_id: userId, duration_secs, reason })),
  setRoomRole: async (roomId: Id, userId: Id, role: "owner" | "moderator" | "member") =>
    decodeRoom(await call("PUT", `/rooms/${roomId}/members/${userId}/role`, { role })),
  invitations: async () =>
    array(obj(await call("GET", "/invitations"), "invitations"), "invitations", (v) => {
      const o = obj(v, "invitation");
      return { room: decodeRoom(o.room), by: str(o, "by"), at: str(o, "at") } as Invitation;
    }),
  decline: (roomId: Id) => call("DELETE", `/invitations/${roomId}`),
};
