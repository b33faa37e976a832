// The TypeScript side of the contract against frames and bodies recorded from the Rust types
// (crates/proto/tests/web_fixtures.rs writes protocol.fixtures.json).

import { describe, expect, test } from "vitest";
import fixtures from "./protocol.fixtures.json";
import {
  decodeAttachment,
  decodeMessage,
  decodeReadState,
  decodeStorageUsage,
  decodeRoom,
  decodeServerFrame,
  decodeUser,
  encodeClientFrame,
  ProtocolError,
  type ClientFrame,
  type ServerFrame,
} from "./protocol";
import {
  decodeAuth,
  decodeServerInfo,
  decodeError,
  decodeBlocks,
  decodeMessagesPage,
  decodePins,
  decodeSearch,
  decodeThread,
  decodeRooms,
  decodeUsers,
} from "./rest";

const SERVER_TYPES: ServerFrame["type"][] = [
  "ready", "message", "message_updated", "read", "blocked", "ack", "typing", "presence", "member", "muted", "room", "room_deleted", "invited", "report", "report_resolved", "user",
  "synced", "pong", "error",
];

describe("server frames recorded from the Rust types", () => {
  test("every frame type the server has is known to the client", () => {
    const recorded = new Set(fixtures.server_frames.map((f) => f.type));
    expect([...recorded].sort()).toEqual([...SERVER_TYPES].sort());
  });

  test.each(fixtures.server_frames.map((f) => [f.type, f] as const))("%s decodes to exactly what was sent", (_, frame) => {
    const decoded = decodeServerFrame(JSON.parse(JSON.stringify(frame)));
    expect(decoded).toEqual(frame);
  });

  test("a frame with a wrong field type or an unknown type is refused, not half-used", () => {
    const message = fixtures.server_frames.find((f) => f.type === "message")!;
    const badSeq = JSON.parse(JSON.stringify(message));
    badSeq.message.seq = "4";
    expect(() => decodeServerFrame(badSeq)).toThrow(ProtocolError);
    expect(() => decodeServerFrame({ type: "teleport" })).toThrow(ProtocolError);
    expect(() => decodeServerFrame([])).toThrow(ProtocolError);
  });
});

describe("client frames", () => {
  test("the client encodes each frame exactly as the Rust types serialize it", () => {
    const built: ClientFrame[] = [
      { type: "send", room_id: "12", body: "hi", client_id: "web-1" },
      { type: "send", room_id: "12", body: "yes", client_id: "web-3", reply_to: "31" },
      { type: "send", room_id: "12", body: "", client_id: "web-4", attachments: ["7", "8"] },
      { type: "read", room_id: "12", seq: 4 },
      { type: "typing", room_id: "12", active: true },
      { type: "sync", since: { "1": 3, "12": 0 }, revs: { "1": 5 } },
      { type: "ping" },
      { type: "watch_presence", user_ids: ["3", "9"] },
    ];
    expect(built.map((f) => JSON.parse(encodeClientFrame(f)))).toEqual(fixtures.client_frames);
  });
});

describe("REST bodies", () => {
  const rest = fixtures.rest;
  test("each body decodes to what was sent", () => {
    expect(decodeAuth(rest.auth)).toEqual(rest.auth);
    expect(decodeUser(rest.user)).toEqual(rest.user);
    expect(decodeUser(rest.deactivated_user)).toEqual(rest.deactivated_user);
    expect(decodeUser(rest.deleted_user)).toEqual(rest.deleted_user);
    expect(decodeUsers(rest.users)).toEqual(rest.users.users);
    expect(decodeUsers(rest.members)).toEqual(rest.members.members);
    expect(decodeRooms(rest.rooms)).toEqual(rest.rooms.rooms);
    expect(decodeRoom(rest.room)).toEqual(rest.room);
    expect(decodeMessagesPage(rest.messages_page)).toEqual(rest.messages_page);
    expect(decodeError(rest.error)).toEqual(rest.error);
    expect(decodeMessage(rest.message)).toEqual(rest.message);
    expect(decodeThread(rest.thread)).toEqual(rest.thread);
    expect(decodePins(rest.pins)).toEqual(rest.pins.messages);
    expect(decodeReadState(rest.read_state)).toEqual(rest.read_state);
    expect(decodeSearch(rest.search)).toEqual(rest.search);
    expect(decodeBlocks(rest.blocks)).toEqual(rest.blocks.user_ids);
    expect(decodeAttachment(rest.attachment)).toEqual(rest.attachment);
    expect(decodeStorageUsage(rest.storage_usage)).toEqual(rest.storage_usage);
    expect(decodeServerInfo(rest.server_info)).toEqual(rest.server_info);
    expect(decodeMessage(rest.message).attachments?.map((a) => a.name)).toEqual(["cat.png", "notes.pdf"]);
  });
});
