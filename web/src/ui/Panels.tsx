// Side panels beside the open room: a thread, the room's pins, and message search.

import { useEffect, useState } from "preact/hooks";
import { api, describeError } from "../api";
import type { Chat } from "../chat";
import type { Message, Room } from "../protocol";
import type { SearchHit, Thread } from "../rest";
import { displayName, roomTitle, type ChatState } from "../state";
import { fullTime, timeLabel } from "../timeline";
import { HtmlBody } from "./MessageRow";

function PanelHeader({ title, onClose }: { title: string; onClose: () => void }) {
  return (
    <header class="members-header">
      <h2>{title}</h2>
      <button type="button" class="icon" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>
        ×
      </button>
    </header>
  );
}

function Snippet({ state, message }: { state: ChatState; message: Message }) {
  return (
    <div class="panel-msg-head">
      <strong>{displayName(state, message.sender_id)}</strong>{" "}
      <time class="muted small" dateTime={message.created_at} title={fullTime(message.created_at)}>
        {timeLabel(message.created_at)}
      </time>
    </div>
  );
}

/** A thread: its first message, every reply, and a composer that replies into it. */
export function ThreadPanel({
  chat,
  state,
  room,
  rootId,
  onClose,
}: {
  chat: Chat;
  state: ChatState;
  room: Room;
  rootId: string;
  onClose: () => void;
}) {
  const [thread, setThread] = useState<Thread | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState("");
  // The root in the room's timeline changes (live) when a reply arrives: load the thread again.
  const live = state.timelines[room.id]?.messages.find((m) => m.id === rootId || m.id === thread?.root.id);
  const liveKey = `${live?.reply_count ?? 0}-${live?.rev ?? 0}`;
  useEffect(() => {
    api.thread(rootId).then(setThread, (e) => setError(describeError(e)));
  }, [rootId, liveKey]);
  const send = () => {
    const body = text.trim();
    if (!body || !thread) return;
    chat.send(room.id, body, thread.root.id);
    setText("");
  };
  const root = live && thread && live.id === thread.root.id ? live : thread?.root;
  return (
    <aside class="members panel thread" aria-label="Thread">
      <PanelHeader title="Thread" onClose={onClose} />
      {error && <p class="error" role="alert">{error}</p>}
      {!thread && !error && <p class="muted">Loading…</p>}
      {root && thread && (
        <div class="panel-body">
          <div class="panel-msg root">
            <Snippet state={state} message={root} />
            {root.deleted ? <p class="tombstone">This message was deleted.</p> : <HtmlBody html={root.html} />}
          </div>
          <p class="muted small">
            {thread.replies.length} {thread.replies.length === 1 ? "reply" : "replies"}
          </p>
          <ol class="thread-replies" aria-label="Replies">
            {thread.replies.map((r) => (
              <li key={r.id} class="panel-msg">
                <Snippet state={state} message={r} />
                {r.deleted ? <p class="tombstone">This message was deleted.</p> : <HtmlBody html={r.html} />}
              </li>
            ))}
          </ol>
          <form
            class="composer thread-composer"
            onSubmit={(e) => {
              e.preventDefault();
              send();
            }}
          >
            <textarea
              aria-label="Reply in thread"
              placeholder="Reply…"
              rows={1}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                  e.preventDefault();
                  send();
                }
              }}
            />
            <button type="submit" class="primary" disabled={!text.trim()}>
              Reply
            </button>
          </form>
        </div>
      )}
    </aside>
  );
}

export function PinsPanel({
  state,
  room,
  onJump,
  onClose,
}: {
  state: ChatState;
  room: Room;
  onJump: (roomId: string, seq: number) => void;
  onClose: () => void;
}) {
  const [pins, setPins] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Reload when a message in the room is pinned or unpinned (its rev moves).
  const rev = state.revs[room.id] ?? 0;
  useEffect(() => {
    api.pins(room.id).then(setPins, (e) => setError(describeError(e)));
  }, [room.id, rev]);
  return (
    <aside class="members panel pins" aria-label="Pinned messages">
      <PanelHeader title="Pinned messages" onClose={onClose} />
      {error && <p class="error" role="alert">{error}</p>}
      {pins && pins.length === 0 && <p class="muted">Nothing is pinned in this room yet.</p>}
      <ul class="panel-list">
        {pins?.map((m) => (
          <li key={m.id}>
            <button type="button" class="panel-msg hit" onClick={() => onJump(m.room_id, m.seq)}>
              <Snippet state={state} message={m} />
              <HtmlBody html={m.html} />
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** Full-text search over every room the user can read, with filters; results jump into history. */
export function SearchPanel({
  state,
  room,
  onJump,
  onClose,
}: {
  state: ChatState;
  room: Room;
  onJump: (roomId: string, seq: number) => void;
  onClose: () => void;
}) {
  const [q, setQ] = useState("");
  const [here, setHere] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const run = async (offset: number) => {
    setError(null);
    const params: Record<string, string> = { q, offset: String(offset), limit: "20" };
    if (here) params.room_id = room.id;
    if (from) params.from = from;
    if (to) params.to = to;
    try {
      const found = await api.search(params);
      setHits(offset === 0 ? found.hits : [...(hits ?? []), ...found.hits]);
      setNext(found.next_offset);
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <aside class="members panel search" aria-label="Search">
      <PanelHeader title="Search" onClose={onClose} />
      <form
        class="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void run(0);
        }}
      >
        <input type="search" aria-label="Search messages" placeholder="Search messages" value={q} autoFocus onInput={(e) => setQ(e.currentTarget.value)} />
        <label class="small inline">
          <input type="checkbox" checked={here} onChange={(e) => setHere(e.currentTarget.checked)} /> Only in {roomTitle(state, room)}
        </label>
        <label class="small">
          From <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label class="small">
          To <input type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {hits && hits.length === 0 && <p class="muted">No messages match.</p>}
      <ul class="panel-list" aria-label="Results">
        {hits?.map((h) => {
          const r = state.rooms[h.message.room_id];
          return (
            <li key={h.message.id}>
              <button type="button" class="panel-msg hit" onClick={() => onJump(h.message.room_id, h.message.seq)}>
                <div class="muted small">{r ? roomTitle(state, r) : "a public room"}</div>
                <Snippet state={state} message={h.message} />
                {/* Escaped by the server, with matches in <mark> (docs/protocol.md). */}
                <p class="snippet" dangerouslySetInnerHTML={{ __html: h.snippet_html }} />
              </button>
            </li>
          );
        })}
      </ul>
      {next !== undefined && (
        <button type="button" onClick={() => void run(next)}>
          More results
        </button>
      )}
    </aside>
  );
}
