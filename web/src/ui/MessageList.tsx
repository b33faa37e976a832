// The message log: loads older history as the user scrolls up, keeps the view pinned to the
// newest message unless the user scrolled away (then offers a "new messages" button), and marks
// the room read while its bottom is on screen.

import { AttachmentList } from "./Attachments";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "../chat";
import type { Message, Room } from "../protocol";
import { displayName, summary, type ChatState, type Pending } from "../state";
import { layout, linkify, timeLabel } from "../timeline";
import { MessageRow, type RowActions } from "./MessageRow";
import { Avatar } from "./Sidebar";

/** Puts `text` in a room's message box, replacing what was there (`RoomView`'s composer listens). */
export function compose(roomId: string, text: string) {
  window.dispatchEvent(new CustomEvent("natter:compose", { detail: { roomId, text } }));
}

/** Asks the open room's log to open message `id` for editing (Up in an empty message box). */
export function editMessage(id: string) {
  window.dispatchEvent(new CustomEvent("natter:edit", { detail: id }));
}

/** Asks the open room's log to scroll to a message (after `Chat.reveal` loaded it). */
export function jumpTo(seq: number) {
  window.dispatchEvent(new CustomEvent("natter:jump", { detail: seq }));
}

const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 200;

export function MessageList({ chat, state, room, actions }: { chat: Chat; state: ChatState; room: Room; actions: RowActions }) {
  const timeline = state.timelines[room.id];
  const messages = timeline?.messages ?? [];
  const pending = state.pending.filter((p) => p.roomId === room.id);
  const marker = state.markers[room.id];
  const unreadAt = marker === undefined ? undefined : firstUnread(messages, marker, state.me.id);
  const rows = layout(messages, pending, state.me.id, new Date(), unreadAt);
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const prev = useRef({ first: "", last: "", height: 0, top: 0 });
  const [unseen, setUnseen] = useState(0);
  /** Scrolled away from the newest message: "Jump to newest" is offered. */
  const [away, setAway] = useState(false);
  /** Whether this room's first screen was placed (at the first unread, or the newest). */
  const landed = useRef(false);
  const [editRequest, setEditRequest] = useState<string | null>(null);
  useEffect(() => {
    const onEdit = (e: Event) => {
      const id = (e as CustomEvent<string>).detail;
      setEditRequest(id);
      pinned.current = false;
      ref.current?.querySelector<HTMLElement>(`article[data-id="${id}"]`)?.scrollIntoView({ block: "nearest" });
    };
    window.addEventListener("natter:edit", onEdit);
    return () => window.removeEventListener("natter:edit", onEdit);
  }, [room.id]);

  const readIfVisible = () => {
    // Only what is on screen counts as read: not while the history is still loading.
    if (pinned.current && !document.hidden && chat.state.timelines[room.id]?.loaded) chat.markRead(room.id);
  };

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Day separators keep their keys when older messages arrive, so compare messages only.
    const first = rows.find((r) => r.kind !== "day")?.key ?? "";
    const last = rows[rows.length - 1]?.key ?? "";
    const p = prev.current;
    if (last !== p.last && last.startsWith("p-")) pinned.current = true; // the user just sent
    if (timeline?.loaded && !landed.current) {
      landed.current = true;
      // With more unread than a screen holds, open at the New messages line, not the newest:
      // the room is read as the user scrolls down to the end, not before.
      const line = el.querySelector<HTMLElement>(".unread-line");
      if (line) {
        const lineTop = line.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
        if (lineTop < el.scrollHeight - el.clientHeight - NEAR_BOTTOM_PX) {
          pinned.current = false;
          el.scrollTop = Math.max(0, lineTop - 8);
          setAway(true);
        }
      }
    }
    if (pinned.current) {
      el.scrollTop = el.scrollHeight;
    } else if (first !== p.first && last === p.last) {
      // Older messages were added above: keep what the user was reading where it was.
      el.scrollTop = p.top + (el.scrollHeight - p.height);
    } else if (last !== p.last && p.last) {
      setUnseen((n) => n + 1);
    }
    prev.current = { first, last, height: el.scrollHeight, top: el.scrollTop };
    readIfVisible();
    // Fill the screen: with too little history to scroll, scrolling up can never ask for more.
    if (timeline?.loaded && timeline.hasMore && el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) {
      void chat.loadOlder(room.id);
    }
  });

  useEffect(() => {
    const onJump = (e: Event) => {
      const seq = (e as CustomEvent<number>).detail;
      const target = ref.current?.querySelector<HTMLElement>(`article[data-seq="${seq}"]`);
      if (!target) return;
      pinned.current = false;
      target.scrollIntoView({ block: "center" });
      target.classList.remove("flash");
      void target.offsetWidth; // restart the highlight animation
      target.classList.add("flash");
      target.focus({ preventScroll: true });
    };
    window.addEventListener("natter:jump", onJump);
    return () => window.removeEventListener("natter:jump", onJump);
  }, [room.id]);

  useEffect(() => {
    const onVisible = () => readIfVisible();
    document.addEventListener("visibilitychange", onVisible);
    // When the log gets shorter (the composer grows, a phone keyboard opens), stay at the bottom.
    const el = ref.current!;
    const resized = new ResizeObserver(() => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
    });
    resized.observe(el);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      resized.disconnect();
    };
  }, [room.id]);

  const onScroll = () => {
    const el = ref.current!;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    if (away === pinned.current) setAway(!pinned.current);
    prev.current = { ...prev.current, top: el.scrollTop, height: el.scrollHeight };
    if (pinned.current) {
      setUnseen(0);
      readIfVisible();
    }
    if (el.scrollTop < NEAR_TOP_PX) void chat.loadOlder(room.id);
  };

  const jumpToBottom = () => {
    const el = ref.current!;
    pinned.current = true;
    el.scrollTop = el.scrollHeight;
    setUnseen(0);
    setAway(false);
    readIfVisible();
  };

  return (
    <div class="log-wrap">
      {/* The log itself is not live (it would read out every page of history); new messages
          from others are announced by the region below. */}
      <div class="log" role="log" aria-label="Messages" aria-live="off" tabIndex={0} ref={ref} onScroll={onScroll}>
        {timeline?.loaded && !timeline.hasMore && (
          <p class="log-start muted">This is the beginning of the room.</p>
        )}
        {timeline?.loaded && timeline.hasMore && <p class="log-start muted">Loading older messages…</p>}
        {!timeline?.loaded && <p class="log-start muted">Loading…</p>}
        {rows.map((row) => {
          if (row.kind === "day") {
            return (
              <div key={row.key} class="day" role="separator" aria-label={row.label}>
                <span aria-hidden="true">{row.label}</span>
              </div>
            );
          }
          if (row.kind === "unread") {
            return (
              <div key={row.key} class="unread-line" role="separator" aria-label="New messages">
                <span aria-hidden="true">New messages</span>
              </div>
            );
          }
          if (row.kind === "message") {
            return (
              <MessageRow
                key={row.key}
                chat={chat}
                state={state}
                room={room}
                message={row.message}
                first={row.first}
                editRequested={editRequest === row.message.id}
                onEditStarted={() => setEditRequest(null)}
                {...actions}
              />
            );
          }
          return <PendingRow key={row.key} chat={chat} state={state} pending={row.pending} first={row.first} />;
        })}
      </div>
      <Announcer state={state} messages={messages} />
      {unseen > 0 ? (
        <button type="button" class="new-messages" onClick={jumpToBottom}>
          New messages ↓
        </button>
      ) : (
        away && (
          <button type="button" class="new-messages" onClick={jumpToBottom}>
            Jump to newest ↓
          </button>
        )
      )}
    </div>
  );
}

function Body({ text }: { text: string }) {
  // Text is rendered as text nodes only; links become <a> elements built here, never parsed HTML.
  return (
    <div class="body">
      {linkify(text).map((seg, i) =>
        seg.kind === "text" ? (
          seg.text
        ) : (
          <a key={i} href={seg.href} target="_blank" rel="noopener noreferrer nofollow">
            {seg.text}
          </a>
        ),
      )}
    </div>
  );
}

function PendingRow({ chat, state, pending, first }: { chat: Chat; state: ChatState; pending: Pending; first: boolean }) {
  const name = displayName(state, state.me.id);
  const status =
    pending.status === "failed"
      ? `Not sent: ${pending.error ?? "failed"}`
      : pending.status === "queued" && state.conn !== "online"
        ? "Waiting for connection…"
        : "Sending…";
  return (
    <article class={`msg pending ${pending.status}${first ? " first" : ""}`} aria-busy={pending.status !== "failed"}>
      {first ? <Avatar id={state.me.id} name={name} /> : <span class="gutter" aria-hidden="true" />}
      <div class="msg-main">
        {first && (
          <div class="msg-head">
            <strong class="sender">{name}</strong>
            <time dateTime={new Date(pending.createdAt).toISOString()}>{timeLabel(pending.createdAt)}</time>
          </div>
        )}
        <Body text={pending.body} />
        {pending.attachments && <AttachmentList attachments={pending.attachments} />}
        <div class="msg-status" role={pending.status === "failed" ? "alert" : undefined}>
          {status}
          {pending.status === "failed" && (
            <>
              {" "}
              {pending.final ? (
                // Sent again it would be refused again: the text goes back to the message box.
                <button
                  type="button"
                  class="link"
                  onClick={() => {
                    compose(pending.roomId, pending.body);
                    chat.discard(pending.clientId);
                  }}
                >
                  Edit
                </button>
              ) : (
                <button type="button" class="link" onClick={() => chat.retry(pending.clientId)}>
                  Retry
                </button>
              )}{" "}
              <button type="button" class="link" onClick={() => chat.discard(pending.clientId)}>
                Delete
              </button>
            </>
          )}
        </div>
      </div>
    </article>
  );
}

/** The seq of the first message from someone else after `marker`, where the line goes. */
function firstUnread(messages: Message[], marker: number, me: string): number | undefined {
  return messages.find((m) => m.seq > marker && m.sender_id !== me)?.seq;
}

/** Reads out the newest message from someone else, for screen readers. */
function Announcer({ state, messages }: { state: ChatState; messages: Message[] }) {
  const last = messages[messages.length - 1];
  const seen = useRef<string | null>(null);
  // The first render of a room announces nothing: that is history, not news.
  if (seen.current === null) seen.current = last?.id ?? "";
  const news = last && last.id !== seen.current && last.sender_id !== state.me.id;
  return (
    <div class="sr-only" aria-live="polite">
      {news ? `${displayName(state, last.sender_id)}: ${summary(last)}` : ""}
    </div>
  );
}
