import { describe, expect, test } from "vitest";
import type { Message, ReadState, Room, ServerFrame, User } from "./protocol";
import {
  displayName,
  initialState,
  mentionCount,
  mergeMessages,
  reduce,
  roomTitle,
  syncRevs,
  syncSince,
  totalUnread,
  elsewhere,
  typingNames,
  unreadCount,
  unknownUsers,
  type Action,
  type ChatState,
  type Pending,
} from "./state";

const me: User = { id: "1", username: "me", display_name: "Me", status: "", is_admin: false };
const general: Room = { id: "10", name: "general", kind: "public", topic: "", last_seq: 5, last_rev: 0 };
const dm: Room = { id: "20", name: "me, bo", kind: "dm", topic: "", last_seq: 0, last_rev: 0, member_ids: ["1", "2"] };

function m(room: string, seq: number, sender = "2", client_id?: string): Message {
  return {
    id: `${room}-${seq}`,
    room_id: room,
    seq,
    sender_id: sender,
    body: `b${seq}`,
    html: `<p>b${seq}</p>`,
    created_at: "2026-11-21T10:00:00.000Z",
    client_id,
  };
}

function run(s: ChatState, ...actions: Action[]): ChatState {
  return actions.reduce(reduce, s);
}
const frame = (f: ServerFrame, now = 0): Action => ({ kind: "frame", frame: f, now });
const ready = (rooms: Room[], online: string[] = ["1"], reads: ReadState[] = [], blocked: string[] = []) =>
  frame({ type: "ready", user: me, rooms, online, reads, blocked });
const readState = (room_id: string, last_read: number, unread = 0, mentions = 0): ReadState => ({
  room_id,
  last_read,
  unread,
  mentions,
});

function pending(clientId: string, room = "10"): Pending {
  return { clientId, roomId: room, body: "hello", createdAt: 0, status: "queued" };
}

describe("resume", () => {
  test("a first ready starts every room caught up, so sync asks for nothing old", () => {
    const s = run(initialState(me), ready([general, dm]));
    expect(syncSince(s)).toEqual({ "10": 5, "20": 0 });
    expect(totalUnread(s)).toBe(0);
  });

  test("after a reconnect, sync resumes from the last message received, and unread counts what was missed", () => {
    let s = run(initialState(me), ready([general]), frame({ type: "message", message: m("10", 6) }));
    s = run(s, { kind: "conn", conn: "offline" }, ready([{ ...general, last_seq: 9 }], ["1"], [readState("10", 5, 4)]));
    expect(syncSince(s)).toEqual({ "10": 6 });
    expect(unreadCount(s, "10")).toBe(4);
    s = run(s, ...[7, 8, 9].map((seq) => frame({ type: "message", message: m("10", seq) })));
    expect(s.timelines["10"].messages.map((x) => x.seq)).toEqual([6, 7, 8, 9]);
    expect(syncSince(s)).toEqual({ "10": 9 });
    // The replayed messages were already in ready's count.
    expect(unreadCount(s, "10")).toBe(4);
  });

  test("a message received twice (replay and live, or history and live) is kept once", () => {
    const s = run(
      initialState(me),
      ready([general]),
      frame({ type: "message", message: m("10", 6) }),
      frame({ type: "message", message: m("10", 6) }),
      { kind: "history", roomId: "10", messages: [m("10", 4), m("10", 5), m("10", 6)], hasMore: true, page: { kind: "newest" } },
    );
    expect(s.timelines["10"].messages.map((x) => x.seq)).toEqual([4, 5, 6]);
    expect(s.timelines["10"].hasMore).toBe(true);
  });
});

describe("the loaded window stays contiguous", () => {
  test("opening the room already open keeps the user reading back; opening another starts at its end", () => {
    let s = run(initialState(me), ready([general, dm]), { kind: "open", roomId: "10" }, { kind: "reading-back", on: true });
    s = run(s, { kind: "open", roomId: "10" });
    expect(s.readingBack).toBe(true);
    s = run(s, { kind: "open", roomId: "20" });
    expect(s.readingBack).toBe(false);
  });

  test("leaving and rejoining a room starts it over, so the gap while away is never hidden", () => {
    let s = run(
      initialState(me),
      ready([general]),
      { kind: "history", roomId: "10", messages: [m("10", 4), m("10", 5)], hasMore: true, page: { kind: "newest" } },
      frame({ type: "member", room_id: "10", user_id: "1", event: "left" }),
    );
    expect(s.timelines["10"]).toBeUndefined();
    expect(syncSince(s)).toEqual({});
    s = run(s, frame({ type: "room", room: { ...general, last_seq: 50 } }), frame({ type: "message", message: m("10", 51) }));
    expect(s.timelines["10"].loaded).toBe(false);
    expect(syncSince(s)).toEqual({ "10": 51 });
    expect(unreadCount(s, "10")).toBe(1);
  });

  test("an old message (a resend's ack after a reload) is left to history paging, not put before a gap", () => {
    const s = run(
      initialState(me),
      ready([{ ...general, last_seq: 100 }]),
      frame({ type: "ack", client_id: "c1", message: m("10", 40, "1", "c1") }),
      { kind: "history", roomId: "10", messages: [m("10", 99), m("10", 100)], hasMore: true, page: { kind: "newest" } },
    );
    expect(s.timelines["10"].messages.map((x) => x.seq)).toEqual([99, 100]);
    // Once paging reaches it, it is there.
    const page = Array.from({ length: 59 }, (_, i) => (i === 0 ? m("10", 40, "1", "c1") : m("10", 40 + i)));
    const paged = run(s, { kind: "history", roomId: "10", messages: page, hasMore: true, page: { kind: "older", before: 99 } });
    expect(paged.timelines["10"].messages.map((x) => x.seq)).toEqual(Array.from({ length: 61 }, (_, i) => 40 + i));
  });
});

describe("pending sends", () => {
  test("the ack replaces the pending copy with the stored message", () => {
    const s = run(initialState(me), ready([general]), { kind: "queue", pending: pending("c1") }, { kind: "sending", clientIds: ["c1"] });
    expect(s.pending.map((p) => p.status)).toEqual(["sending"]);
    const after = run(s, frame({ type: "ack", client_id: "c1", message: m("10", 6, "1", "c1") }));
    expect(after.pending).toEqual([]);
    expect(after.timelines["10"].messages.map((x) => x.seq)).toEqual([6]);
    expect(unreadCount(after, "10")).toBe(0);
  });

  test("a dropped connection puts sends in flight back in the queue, to be resent with the same client_id", () => {
    const s = run(
      initialState(me),
      ready([general]),
      { kind: "queue", pending: pending("c1") },
      { kind: "sending", clientIds: ["c1"] },
      { kind: "conn", conn: "offline" },
    );
    expect(s.pending).toMatchObject([{ clientId: "c1", status: "queued" }]);
  });

  test("if the ack was lost, the stored message arriving by replay still settles the pending copy", () => {
    const s = run(initialState(me), ready([general]), { kind: "queue", pending: pending("c1") });
    const after = run(s, frame({ type: "message", message: m("10", 6, "1", "c1") }));
    expect(after.pending).toEqual([]);
  });

  test("a refused send is marked failed with the server's reason", () => {
    const s = run(
      initialState(me),
      ready([general]),
      { kind: "queue", pending: pending("c1") },
      frame({ type: "error", code: "forbidden", message: "join the room first", client_id: "c1" }),
    );
    expect(s.pending).toMatchObject([{ status: "failed", error: "join the room first" }]);
  });

  test("a refusal that would come again is final; one that may pass (a rate limit, a mute) is not", () => {
    const refused = (code: string) =>
      run(
        initialState(me),
        ready([general]),
        { kind: "queue", pending: pending("c1") },
        frame({ type: "error", code, message: "no", client_id: "c1" }),
      ).pending[0];
    for (const code of ["invalid_body", "forbidden", "file_already_attached", "not_found"]) {
      expect(refused(code), code).toMatchObject({ status: "failed", final: true });
    }
    for (const code of ["rate_limited", "slow_mode", "muted", "internal"]) {
      expect(refused(code), code).toMatchObject({ status: "failed", final: false });
    }
  });
});

describe("read state", () => {
  test("an answer to an earlier read that arrives after a later one is stale and changes nothing", () => {
    let s = run(initialState(me), ready([{ ...general, last_seq: 9 }], ["1"], [readState("10", 5, 4)]));
    s = run(s, { kind: "read", roomId: "10", seq: 9 });
    expect(unreadCount(s, "10")).toBe(0);
    // The server's answer to a read of 7, sent before the read of 9, arrives now.
    s = run(s, frame({ type: "read", ...readState("10", 7, 2) }));
    expect(unreadCount(s, "10")).toBe(0);
    expect(s.reads["10"].last_read).toBe(9);
    // Its answer to the read of 9, or another device reading further, is applied.
    s = run(s, frame({ type: "read", ...readState("10", 9, 0) }));
    expect(s.reads["10"].last_read).toBe(9);
    s = run(s, frame({ type: "message", message: m("10", 10) }), frame({ type: "read", ...readState("10", 10, 0) }));
    expect(s.reads["10"].last_read).toBe(10);
  });

  test("ready carries the server's counts; new messages from others add to them, your own do not", () => {
    let s = run(initialState(me), ready([general, dm], ["1"], [readState("10", 3, 2, 1), readState("20", 0)]));
    expect(unreadCount(s, "10")).toBe(2);
    expect(mentionCount(s, "10")).toBe(1);
    s = run(s, frame({ type: "message", message: m("20", 1) }), frame({ type: "message", message: m("20", 2) }));
    expect(unreadCount(s, "20")).toBe(2);
    s = run(s, frame({ type: "message", message: m("10", 6, "1") }));
    expect(unreadCount(s, "10")).toBe(2);
    s = run(s, { kind: "read", roomId: "20", seq: 2 }, { kind: "read", roomId: "10", seq: 6 });
    expect(totalUnread(s)).toBe(0);
  });

  test("what waits elsewhere leaves out the open room: a dot for unread, a count of mentions", () => {
    let s = run(initialState(me), ready([general, dm], ["1"], [readState("10", 3, 2, 1), readState("20", 0)]));
    s = run(s, { kind: "open", roomId: "10" });
    expect(elsewhere(s)).toEqual({ unread: false, mentions: 0 });
    s = run(s, frame({ type: "message", message: { ...m("20", 1), mentions: ["1"] } }));
    expect(elsewhere(s)).toEqual({ unread: true, mentions: 1 });
    s = run(s, { kind: "open", roomId: "20" });
    expect(elsewhere(s)).toEqual({ unread: true, mentions: 1 });
  });

  test("a message that mentions you, by name or @room, counts as a mention", () => {
    let s = run(initialState(me), ready([general], ["1"], [readState("10", 5)]));
    s = run(
      s,
      frame({ type: "message", message: { ...m("10", 6), mentions: ["1"] } }),
      frame({ type: "message", message: { ...m("10", 7), mentions_room: true } }),
      frame({ type: "message", message: { ...m("10", 8), mentions: ["9"] } }),
    );
    expect(unreadCount(s, "10")).toBe(3);
    expect(mentionCount(s, "10")).toBe(2);
  });

  test("a read frame from another session replaces the counts", () => {
    let s = run(initialState(me), ready([general], ["1"], [readState("10", 1, 4, 1)]));
    s = run(s, frame({ type: "read", ...readState("10", 5) }));
    expect(unreadCount(s, "10")).toBe(0);
    expect(mentionCount(s, "10")).toBe(0);
  });

  test("opening a room with unread messages puts the new-messages line where the user left off", () => {
    let s = run(initialState(me), ready([general], ["1"], [readState("10", 3, 2)]), { kind: "open", roomId: "10" });
    expect(s.markers["10"]).toBe(3);
    s = run(s, { kind: "read", roomId: "10", seq: 5 }, { kind: "open", roomId: "10" });
    expect(s.markers["10"]).toBeUndefined();
  });

  test("a DM someone opens with you is unread from its first message", () => {
    const s = run(initialState(me), ready([general]), frame({ type: "room", room: dm }), frame({ type: "message", message: m("20", 1) }));
    expect(unreadCount(s, "20")).toBe(1);
  });
});

describe("changes to messages", () => {
  test("an update replaces the loaded copy unless it is older, and moves the room's rev", () => {
    let s = run(initialState(me), ready([general]), {
      kind: "history",
      roomId: "10",
      messages: [m("10", 4), m("10", 5)],
      hasMore: false,
      page: { kind: "newest" },
    });
    s = run(s, frame({ type: "message_updated", message: { ...m("10", 5), body: "edited", rev: 3 } }));
    expect(s.timelines["10"].messages[1].body).toBe("edited");
    expect(syncRevs(s)).toEqual({ "10": 3 });
    s = run(s, frame({ type: "message_updated", message: { ...m("10", 5), body: "stale", rev: 2 } }));
    expect(s.timelines["10"].messages[1].body).toBe("edited");
    // A change to a message not loaded only moves the cursor.
    s = run(s, frame({ type: "message_updated", message: { ...m("10", 1), rev: 4 } }));
    expect(s.timelines["10"].messages.map((x) => x.seq)).toEqual([4, 5]);
    expect(syncRevs(s)).toEqual({ "10": 4 });
  });

  test("blocking follows ready and blocked frames", () => {
    let s = run(initialState(me), ready([general], ["1"], [], ["7"]));
    expect(s.blocked).toEqual({ "7": true });
    s = run(s, frame({ type: "blocked", user_id: "7", blocked: false }), frame({ type: "blocked", user_id: "8", blocked: true }));
    expect(s.blocked).toEqual({ "8": true });
  });
});

describe("rooms, people and typing", () => {
  test("a DM is titled by the other people in it", () => {
    const s = run(initialState(me), ready([dm]), { kind: "users", users: [{ ...me, id: "2", username: "bo", display_name: "Bo" }] });
    expect(roomTitle(s, s.rooms["20"])).toBe("Bo");
  });

  test("users not yet known are listed for lookup", () => {
    const actions = [ready([dm, general]), frame({ type: "message", message: m("10", 6, "7") })];
    let s = initialState(me);
    const unknown: string[] = [];
    for (const a of actions) {
      s = reduce(s, a);
      unknown.push(...unknownUsers(s, a));
    }
    expect(unknown.sort()).toEqual(["2", "7"]);
  });

  test("leaving a room removes it and its unsent messages", () => {
    const s = run(
      initialState(me),
      ready([general, dm]),
      { kind: "open", roomId: "10" },
      { kind: "queue", pending: pending("c1") },
      frame({ type: "member", room_id: "10", user_id: "1", event: "left" }),
    );
    expect(Object.keys(s.rooms)).toEqual(["20"]);
    expect(s.pending).toEqual([]);
    expect(s.active).toBeNull();
  });

  test("typing shows until stopped, until the person sends, or until it expires", () => {
    const users: Action = { kind: "users", users: [{ ...me, id: "2", display_name: "Bo" }] };
    let s = run(initialState(me), ready([general]), users, frame({ type: "typing", room_id: "10", user_id: "2", active: true }, 1000));
    expect(typingNames(s, "10")).toEqual(["Bo"]);
    expect(typingNames(run(s, frame({ type: "message", message: m("10", 6) })), "10")).toEqual([]);
    expect(typingNames(run(s, frame({ type: "typing", room_id: "10", user_id: "2", active: false })), "10")).toEqual([]);
    s = run(s, { kind: "expire-typing", now: 1000 + 8001 });
    expect(typingNames(s, "10")).toEqual([]);
  });

  test("presence follows frames, and going offline records when the person was last seen", () => {
    let s = run(initialState(me), ready([general], ["1", "2"]), { kind: "users", users: [{ ...me, id: "2" }] });
    expect("2" in s.online).toBe(true);
    s = run(s, frame({ type: "presence", user_id: "2", online: false }, Date.parse("2026-11-21T10:00:00Z")));
    expect("2" in s.online).toBe(false);
    expect(s.users["2"].last_seen).toBe("2026-11-21T10:00:00.000Z");
  });
});

test("mergeMessages keeps ascending seq order with one copy per seq", () => {
  const merged = mergeMessages([m("1", 3), m("1", 5)], [m("1", 4), m("1", 1), m("1", 5)]);
  expect(merged.map((x) => x.seq)).toEqual([1, 3, 4, 5]);
});

describe("account changes", () => {
  test("a user frame replaces who I am, so an admin sees admin controls at once", () => {
    const promoted = { ...me, is_admin: true };
    const s = run(initialState(me), frame({ type: "user", user: promoted }));
    expect(s.me.is_admin).toBe(true);
    expect(s.users[me.id]).toEqual(promoted);
  });
});

describe("moderation", () => {
  test("being kicked or banned takes the room away at once, like leaving", () => {
    for (const event of ["kicked", "banned"] as const) {
      const s = run(
        initialState(me),
        frame({ type: "ready", user: me, rooms: [general], online: [], reads: [], blocked: [] }),
        frame({ type: "member", room_id: general.id, user_id: me.id, event }),
      );
      expect(s.rooms[general.id]).toBeUndefined();
    }
  });
});

describe("accounts others see", () => {
  test("a deleted account's messages are from Deleted user", () => {
    const gone: User = { id: "9", username: "deleted-9", display_name: "Deleted user", status: "", is_admin: false, deleted: true, deactivated: true };
    const s = run(initialState(me), { kind: "users", users: [gone] });
    expect(displayName(s, "9")).toBe("Deleted user");
  });
});

describe("moderation notices", () => {
  test("a handled report, an invitation and a mute of mine are told once; others' mutes are not", () => {
    const ready = frame({ type: "ready", user: me, rooms: [general], online: [], reads: [], blocked: [] });
    let s = run(initialState(me), ready, frame({ type: "report_resolved", report_id: "4", action: "delete" }));
    expect(s.toast).toBe("Your report was handled (delete).");
    s = run(s, { kind: "dismiss-toast" });
    expect(s.toast).toBeNull();
    s = run(s, frame({ type: "muted", room_id: general.id, user_id: "2", muted: true }));
    expect(s.toast).toBeNull();
    expect(s.muted[general.id]).toBeUndefined();
    s = run(s, frame({ type: "muted", room_id: general.id, user_id: me.id, muted: true, until: "2026-11-30T11:00:00.000Z" }));
    expect(s.toast).toBe("A moderator muted you in #general.");
    expect(s.muted[general.id]).toBe("2026-11-30T11:00:00.000Z");
    s = run(s, frame({ type: "invited", room: { ...general, id: "77", name: "lobby" }, by: "2" }));
    expect(s.toast).toContain("invited you to #lobby");
  });
});
