// The message log. Only a run of the room's loaded messages is in the page (view.ts), grown and
// cut as the user scrolls, with the row at the top of the screen kept in place through every
// change; the room's window (window.ts) is paged in from the server at either end. The log stays
// at the newest message unless the user scrolled away (then offers "Jump to newest"), opens a
// room with much unread at the New messages line, and reports read what the user has seen.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Chat } from "../chat";
import type { Message, Room } from "../protocol";
import { displayName, summary, type ChatState, type Pending } from "../state";
import { layout } from "../timeline";
import { around, follow, growDown, growUp, hold, indexOf, LIVE, span, VIEW_MAX, type View } from "../view";
import { behind } from "../window";
import { MessageRow, type RowActions } from "./MessageRow";
import { PendingRow } from "./PendingRow";

/** Puts `text` in a room's message box, replacing what was there (`RoomView`'s composer listens). */
export function compose(roomId: string, text: string) {
  window.dispatchEvent(new CustomEvent("natter:compose", { detail: { roomId, text } }));
}

/** Asks the open room's log to open message `id` for editing (Up in an empty message box). */
export function editMessage(id: string) {
  window.dispatchEvent(new CustomEvent("natter:edit", { detail: id }));
}

/** A message the log is asked to show: scrolled to (centred and highlighted, for a link or a
 * search result) or just brought into view (for editing it). */
interface Wanted {
  roomId: string;
  seq: number;
  flash: boolean;
}
let wanted: Wanted | null = null;

/** Asks the room's log to scroll to a message once it is in the room's window (`Chat.open` and
 * `HistoryLoader.reveal` load it): now if the log is on screen, else when it is. */
export function jumpTo(roomId: string, seq: number, flash = true) {
  wanted = { roomId, seq, flash };
  window.dispatchEvent(new CustomEvent("natter:jump"));
}

/** Closer than this to the bottom counts as at the bottom. */
const NEAR_BOTTOM_PX = 48;
/** Closer than this to either end of what is in the page, more is put in (or loaded). */
const EDGE_PX = 800;
/** How long the screen must stay put before what is on it is reported read. */
const READ_DELAY_MS = 400;
const NO_MESSAGES: Message[] = [];

export function MessageList({ chat, state, room, actions }: { chat: Chat; state: ChatState; room: Room; actions: RowActions }) {
  const timeline = state.timelines[room.id];
  const messages = timeline?.messages ?? NO_MESSAGES;
  const isBehind = behind(timeline, state.cursors[room.id] ?? 0);
  const [view, setViewState] = useState<View>(LIVE);
  const viewRef = useRef(view);
  const setView = (v: View) => {
    viewRef.current = v;
    setViewState(v);
  };
  const [start, end] = span(messages, view);
  // Pending sends show at the end of the room, so only when the window reaches it.
  const atRoomEnd = end >= messages.length && !isBehind;
  const allPending = useMemo(() => state.pending.filter((p) => p.roomId === room.id), [state.pending, room.id]);
  const pending = atRoomEnd ? allPending : NO_PENDING;
  const marker = state.markers[room.id];
  const unreadAt = marker === undefined ? undefined : firstUnread(messages, marker, state.me.id);
  const today = new Date().toDateString();
  const rows = useMemo(
    () => layout(messages.slice(start, end), pending, state.me.id, new Date(), unreadAt, messages[start - 1]),
    [messages, start, end, pending, unreadAt, state.me.id, today],
  );
  const ref = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  /** At the room's newest message: the log stays there as messages arrive. */
  const pinned = useRef(true);
  /** The row at the top of the screen and how far below the top it was: put back there after
   * anything changes above it (rows added or cut, images loaded). */
  const anchor = useRef<{ el: Element; offset: number } | null>(null);
  /** Where the log was scrolled to when last looked at (by code, or handling a scroll): a
   * position anywhere else is the user's doing, even before its scroll event arrives. */
  const lastTop = useRef(0);
  /** Scrolled away from the newest message: "Jump to newest" is offered. */
  const [away, setAway] = useState(false);
  /** The newest seq when the user scrolled away: anything past it is news to them. */
  const [awayAt, setAwayAt] = useState(0);
  /** Whether this room's first screen was placed (at the first unread, or the newest). */
  const landed = useRef(false);
  const [editRequest, setEditRequest] = useState<string | null>(null);
  const editStarted = useMemo(() => () => setEditRequest(null), []);
  const [, setJumps] = useState(0);
  const readTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The rows compare their props to skip rendering again: give them the same functions each time.
  const current = useRef(actions);
  current.current = actions;
  const rowActions = useMemo<RowActions>(
    () => ({
      onReply: (m) => current.current.onReply(m),
      onThread: (m) => current.current.onThread(m),
      onJump: (roomId, seq) => current.current.onJump(roomId, seq),
    }),
    [],
  );

  const goAway = (on: boolean) => {
    if (on && !chat.state.readingBack) setAwayAt(chat.state.cursors[room.id] ?? 0);
    setAway(on);
    chat.dispatch({ kind: "reading-back", on });
  };

  const recordAnchor = () => {
    const el = ref.current;
    const rowsEl = content.current;
    if (!el || !rowsEl) return;
    // A message, not a separator: a separator is made again when the rows above it change.
    const top = el.getBoundingClientRect().top;
    for (const row of rowsEl.querySelectorAll(":scope > article")) {
      const box = row.getBoundingClientRect();
      if (box.bottom > top) {
        anchor.current = { el: row, offset: box.top - top };
        return;
      }
    }
    anchor.current = null;
  };

  /** Scrolls the log from code; the scroll event that follows is not the user's. */
  const scrollTo = (top: number) => {
    const el = ref.current!;
    el.scrollTop = top;
    lastTop.current = el.scrollTop;
  };

  /** Puts the anchor row back where it was. Until the user scrolls, it stays the anchor, so a
   * change that cannot be made up for at once (rows gone above it at the very top) is made up
   * for when rows are put in above. */
  const restoreAnchor = () => {
    const el = ref.current;
    const a = anchor.current;
    if (!el || !a) return;
    if (!a.el.isConnected) return recordAnchor();
    const delta = a.el.getBoundingClientRect().top - el.getBoundingClientRect().top - a.offset;
    if (Math.abs(delta) >= 1) scrollTo(el.scrollTop + delta);
  };

  /** Reports read what is on screen: everything at the end, else (after the screen settles)
   * up to the last message wholly in view. A scroll restarts the wait; a render (a message
   * arriving) does not, or a busy room would never settle. */
  const readIfVisible = (scrolled = false) => {
    const el = ref.current;
    // Nothing counts as read before the room's first screen is placed.
    if (!el || document.hidden || !landed.current) return;
    if (pinned.current) {
      chat.markRead(room.id);
      return;
    }
    if (scrolled) {
      clearTimeout(readTimer.current);
      readTimer.current = undefined;
    }
    if (readTimer.current !== undefined) return;
    readTimer.current = setTimeout(() => {
      readTimer.current = undefined;
      const seq = lastInView(el);
      if (seq !== undefined && !document.hidden) chat.markReadUpTo(room.id, seq);
    }, READ_DELAY_MS);
  };

  /** Near either end of what is in the page, puts more in from the window, or loads more. */
  const fillEdges = () => {
    const el = ref.current;
    const t = chat.state.timelines[room.id];
    if (!el || !t?.loaded) return;
    const all = t.messages;
    const v = viewRef.current;
    const nearTop = el.scrollTop < EDGE_PX;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    // Near both ends with a full run in the page, growing at one end would cut rows on screen
    // at the other, and the next render would grow them back: leave it.
    const [start, end] = span(all, v);
    if (nearTop && nearBottom && end - start >= VIEW_MAX) return;
    if (nearTop) {
      const up = growUp(all, v);
      if (up) return setView(up);
      if (t.hasMore) return void chat.history.older(room.id);
    }
    if (nearBottom) {
      const down = growDown(all, v);
      if (down) return setView(down);
      void chat.history.newer(room.id);
    }
  };

  /** Shows a wanted message: puts it in the page, then scrolls to it. */
  const showWanted = (): boolean => {
    const w = wanted;
    const el = ref.current;
    if (!w || w.roomId !== room.id || !el || !timeline?.loaded) return false;
    const at = indexOf(messages, w.seq);
    if (messages[at]?.seq !== w.seq) {
      // Not in the window (the loader could not bring it): nothing to show.
      if (chat.state.timelines[room.id]?.loaded) wanted = null;
      return false;
    }
    if (at < start || at >= end) {
      setView(around(messages, w.seq));
      return true;
    }
    wanted = null;
    const target = el.querySelector<HTMLElement>(`article[data-seq="${w.seq}"]`);
    if (!target) return false;
    pinned.current = false;
    if (viewRef.current.to === null) setView(hold(messages, viewRef.current));
    goAway(true);
    target.scrollIntoView({ block: w.flash ? "center" : "nearest" });
    lastTop.current = el.scrollTop;
    recordAnchor();
    if (w.flash) {
      target.classList.remove("flash");
      void target.offsetWidth; // restart the highlight animation
      target.classList.add("flash");
      target.focus({ preventScroll: true });
    }
    return true;
  };

  /** Places the first screen of a room with unread messages at the New messages line. */
  const land = (): boolean => {
    const el = ref.current;
    if (!el || !timeline?.loaded || landed.current) return false;
    // The page with the first unread is on its way (Chat.open asked for it).
    if (marker !== undefined && messages.length > 0 && messages[0].seq > marker + 1) return false;
    landed.current = true;
    if (unreadAt === undefined) return false;
    const at = indexOf(messages, unreadAt);
    if (at < start || at >= end) {
      landed.current = false;
      setView(around(messages, unreadAt));
      return true;
    }
    // With more unread than a screen holds, open at the line, not the newest: the room is read
    // as the user scrolls down through it.
    const line = el.querySelector<HTMLElement>(".unread-line");
    if (!line) return false;
    const lineTop = line.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
    if (lineTop >= el.scrollHeight - el.clientHeight - NEAR_BOTTOM_PX && !isBehind) return false;
    pinned.current = false;
    if (viewRef.current.to === null) setView(hold(messages, viewRef.current));
    scrollTo(Math.max(0, lineTop - 8));
    recordAnchor();
    goAway(true);
    return true;
  };

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (scrolledSince()) userScrolled();
    if (!showWanted() && !land()) {
      if (pinned.current) scrollTo(el.scrollHeight);
      else if (anchor.current) restoreAnchor();
      else recordAnchor();
    }
    readIfVisible();
    fillEdges();
  });

  // The user sent a message: show it, at the room's end.
  const sent = allPending.map((p) => p.clientId).join(" ");
  const seenSent = useRef(sent);
  useEffect(() => {
    const before = new Set(seenSent.current.split(" "));
    seenSent.current = sent;
    if (sent.split(" ").some((id) => id && !before.has(id)) && !pinned.current) void jumpToBottom();
  }, [sent]);

  useEffect(() => {
    const onEdit = (e: Event) => {
      const id = (e as CustomEvent<string>).detail;
      const m = chat.state.timelines[room.id]?.messages.find((x) => x.id === id);
      if (!m) return;
      setEditRequest(id);
      jumpTo(room.id, m.seq, false);
    };
    const onJump = () => setJumps((n) => n + 1);
    const onVisible = () => readIfVisible();
    window.addEventListener("natter:edit", onEdit);
    window.addEventListener("natter:jump", onJump);
    document.addEventListener("visibilitychange", onVisible);
    // When the log gets shorter (the composer grows, a phone keyboard opens) or rows change
    // size (an image loads, a message is edited), keep what the user reads where it was.
    const el = ref.current!;
    const resized = new ResizeObserver(() => {
      if (scrolledSince()) userScrolled();
      else if (pinned.current) scrollTo(el.scrollHeight);
      else restoreAnchor();
    });
    resized.observe(el);
    if (content.current) resized.observe(content.current);
    return () => {
      window.removeEventListener("natter:edit", onEdit);
      window.removeEventListener("natter:jump", onJump);
      document.removeEventListener("visibilitychange", onVisible);
      resized.disconnect();
      clearTimeout(readTimer.current);
    };
  }, [room.id]);

  /** The user scrolled (the scroll event, or a render or resize that found the log somewhere
   * code did not put it: a message can arrive between the scroll and its event). */
  const userScrolled = () => {
    const el = ref.current;
    if (!el) return;
    lastTop.current = el.scrollTop;
    const t = chat.state.timelines[room.id];
    const all = t?.messages ?? NO_MESSAGES;
    const v = viewRef.current;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    const atEnd = atBottom && span(all, v)[1] >= all.length && !behind(t, chat.state.cursors[room.id] ?? 0);
    if (atEnd && v.to !== null) setView(follow(all, v));
    if (!atEnd && v.to === null) setView(hold(all, v));
    pinned.current = atEnd;
    if (chat.state.readingBack === atEnd) goAway(!atEnd);
    recordAnchor();
  };
  const scrolledSince = () => {
    const el = ref.current;
    return !!el && Math.abs(el.scrollTop - lastTop.current) >= 1;
  };

  const onScroll = () => {
    // A scroll event for a log already off the page, or for a position already handled.
    if (!scrolledSince()) return;
    userScrolled();
    readIfVisible(true);
    fillEdges();
  };

  const jumpToBottom = async () => {
    await chat.showNewest(room.id);
    pinned.current = true;
    setView(LIVE);
    goAway(false);
    if (ref.current) scrollTo(ref.current.scrollHeight);
  };

  const news = (state.cursors[room.id] ?? 0) > awayAt;
  return (
    <div class="log-wrap">
      {/* The log itself is not live (it would read out every page of history); new messages
          from others are announced by the region below. */}
      <div class="log" role="log" aria-label="Messages" aria-live="off" tabIndex={0} ref={ref} onScroll={onScroll}>
        {timeline?.loaded && start === 0 && (
          <p class="log-start muted">{timeline.hasMore ? "Loading older messages…" : "This is the beginning of the room."}</p>
        )}
        {!timeline?.loaded && <p class="log-start muted">Loading…</p>}
        <div class="log-rows" ref={content}>
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
                  onEditStarted={editStarted}
                  {...rowActions}
                />
              );
            }
            return <PendingRow key={row.key} chat={chat} state={state} pending={row.pending} first={row.first} />;
          })}
        </div>
        {timeline?.loaded && end >= messages.length && isBehind && <p class="log-start muted">Loading newer messages…</p>}
      </div>
      <Announcer state={state} messages={messages} />
      {away && (
        <button type="button" class="new-messages" onClick={() => void jumpToBottom()}>
          {news ? "New messages ↓" : "Jump to newest ↓"}
        </button>
      )}
    </div>
  );
}

/** The seq of the last message wholly on screen in the log `el`. */
function lastInView(el: HTMLElement): number | undefined {
  const bottom = el.getBoundingClientRect().bottom;
  const articles = el.querySelectorAll<HTMLElement>("article[data-seq]");
  for (let i = articles.length - 1; i >= 0; i--) {
    if (articles[i].getBoundingClientRect().bottom <= bottom + 1) return Number(articles[i].dataset.seq);
  }
  return undefined;
}

const NO_PENDING: Pending[] = [];

/** The seq of the first message from someone else after `marker`, where the line goes; none if
 * the loaded messages start after it (the first unread is not among them). */
function firstUnread(messages: Message[], marker: number, me: string): number | undefined {
  if (messages.length === 0 || messages[0].seq > marker + 1) return undefined;
  for (let i = indexOf(messages, marker + 1); i < messages.length; i++) {
    if (messages[i].sender_id !== me) return messages[i].seq;
  }
  return undefined;
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
