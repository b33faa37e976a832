// The open room: header, message list, who is typing, and the composer.

import { ask } from "./Ask";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { MAX_BODY_CHARS, type Chat } from "../chat";
import type { Message, Room } from "../protocol";
import { displayName, elsewhere, roomTitle, summary, typingNames, type ChatState } from "../state";
import type { Panel } from "./Main";
import { nameForPaste } from "../uploads";
import { PaperclipIcon, UploadTray, useUploads, type Uploads } from "./Attachments";
import { editMessage, MessageList } from "./MessageList";
import { complete, mentionAt, mentionCandidates, type Candidate } from "../mentions";
import { ConnectionBanner } from "./Sidebar";

interface Props {
  chat: Chat;
  state: ChatState;
  room: Room;
  onMenu: () => void;
  panel: Panel;
  onPanel: (p: Panel) => void;
  onJump: (roomId: string, seq: number) => void;
  onSettings: () => void;
}

export function RoomView({ chat, state, room, onMenu, panel, onPanel, onJump, onSettings }: Props) {
  const title = roomTitle(state, room);
  const [error, setError] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const uploads = useUploads();
  const [dragging, setDragging] = useState(false);
  const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
  const actions = {
    onReply: (m: Message) => {
      setReplyTo(m);
      document.querySelector<HTMLTextAreaElement>(".room .composer textarea")?.focus();
    },
    onThread: (m: Message) => onPanel({ kind: "thread", rootId: m.thread_root ?? m.id }),
    onJump,
  };
  const toggle = (kind: "members" | "pins" | "search") => (
    <button type="button" aria-pressed={panel?.kind === kind} onClick={() => onPanel({ kind })}>
      {kind === "members" ? "Members" : kind === "pins" ? "Pins" : "Search"}
    </button>
  );
  // On a phone these go into one menu, so the room's name keeps the header's width.
  const roomActions = (
    <>
      {toggle("search")}
      {toggle("pins")}
      {toggle("members")}
      {room.kind !== "dm" && chat.actions.moderates(room) && (
        <button type="button" onClick={onSettings}>
          Settings
        </button>
      )}
      {room.kind !== "dm" && (
        <button
          type="button"
          onClick={async () => {
            const sure = await ask({
              title: `Leave ${title}?`,
              message: room.kind === "public" ? "You can join it again from Browse." : "To come back, someone in it must add you again.",
              confirm: "Leave",
            });
            if (sure === null) return;
            chat.leave(room.id).catch(() => setError("Could not leave the room. Try again."));
          }}
        >
          Leave
        </button>
      )}
    </>
  );
  const waiting = elsewhere(state);
  const menuLabel =
    "Open rooms" +
    (waiting.mentions > 0 ? `, ${waiting.mentions} ${waiting.mentions === 1 ? "mention" : "mentions"} elsewhere` : waiting.unread ? ", unread messages elsewhere" : "");
  return (
    <main
      class={`room${dragging ? " dragging" : ""}`}
      aria-label={title}
      onDragOver={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target || !e.relatedTarget) setDragging(false);
      }}
      onDrop={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        uploads.add(e.dataTransfer?.files ?? []);
      }}
    >
      <header class="room-header">
        <button type="button" class="icon menu-button" aria-label={menuLabel} onClick={onMenu}>
          ☰
          {waiting.mentions > 0 ? (
            <span class="menu-badge count" aria-hidden="true">
              {waiting.mentions > 99 ? "99+" : waiting.mentions}
            </span>
          ) : (
            waiting.unread && <span class="menu-badge dot" aria-hidden="true" />
          )}
        </button>
        <div class="room-heading">
          <h1>
            <span aria-hidden="true" class="muted">
              {room.kind === "dm" ? "@" : room.kind === "private" ? "🔒" : "#"}
            </span>
            {title}
          </h1>
          {room.topic && <p class="topic">{room.topic}</p>}
        </div>
        <div class="room-actions">{roomActions}</div>
        <RoomMenu>{roomActions}</RoomMenu>
      </header>
      <ConnectionBanner chat={chat} state={state} />
      {error && (
        <p class="error banner" role="alert">
          {error}
        </p>
      )}
      <MessageList chat={chat} state={state} room={room} actions={actions} />
      <Typing names={typingNames(state, room.id)} />
      {replyTo && (
        <div class="replying" role="status">
          <span>
            Replying to <strong>{displayName(state, replyTo.sender_id)}</strong>:{" "}
            <span class="muted">{summary(replyTo).slice(0, 80)}</span>
          </span>
          <button type="button" class="icon" aria-label="Cancel reply" onClick={() => setReplyTo(null)}>
            ×
          </button>
        </div>
      )}
      <UploadTray uploads={uploads} />
      {room.archived && (
        <p class="room-notice" role="status">
          This room is archived: you can read it, but not write in it.
        </p>
      )}
      {room.id in state.muted && (
        <p class="room-notice" role="status">
          You are muted here
          {state.muted[room.id] ? ` until ${new Date(state.muted[room.id]).toLocaleString()}` : ""}: you can read, but not
          post or react.
        </p>
      )}
      <Composer
        chat={chat}
        roomId={room.id}
        title={title}
        replyTo={replyTo}
        uploads={uploads}
        onSent={() => setReplyTo(null)}
      />
      {dragging && (
        <div class="drop-hint" aria-hidden="true">
          Drop files to upload
        </div>
      )}
    </main>
  );
}

function Typing({ names }: { names: string[] }) {
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = "Several people are typing…";
  return (
    <div class="typing" aria-live="polite">
      {text}
    </div>
  );
}

/** On touch screens there is no Shift key: Enter makes a new line and the button sends. */
const enterSends = () => !window.matchMedia("(pointer: coarse)").matches;

interface ComposerProps {
  chat: Chat;
  roomId: string;
  title: string;
  replyTo: Message | null;
  uploads: Uploads;
  onSent: () => void;
}

function Composer({ chat, roomId, title, replyTo, uploads, onSent }: ComposerProps) {
  const [text, setText] = useState(() => chat.drafts.get(roomId));
  const box = useRef<HTMLTextAreaElement>(null);
  // @-mentions: the word at the caret, who it could name, which is chosen, and one dismissed.
  const [caret, setCaret] = useState(0);
  const [pick, setPick] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const token = mentionAt(text, caret);
  const tokenKey = token ? `${token.start}:${token.query}` : null;
  const room = chat.state.rooms[roomId];
  const people = (chat.state.members[roomId] ?? [])
    .filter((id) => id !== chat.state.me.id)
    .flatMap((id) => (chat.state.users[id] ? [chat.state.users[id]] : []));
  const candidates =
    token && tokenKey !== dismissed && room ? mentionCandidates(people, token.query, room.kind !== "dm" && chat.actions.moderates(room)) : [];
  const chosen = Math.min(pick, Math.max(0, candidates.length - 1));
  const choose = (c: Candidate) => {
    if (!token) return;
    const done = complete(text, caret, token.start, c.insert);
    update(done.text);
    setCaret(done.caret);
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(done.caret, done.caret);
    });
  };
  useEffect(() => () => chat.stopTyping(roomId), [roomId]);
  // A refused message put back to be edited (`compose` in MessageList).
  useEffect(() => {
    const onCompose = (e: Event) => {
      const { roomId: to, text: put } = (e as CustomEvent<{ roomId: string; text: string }>).detail;
      if (to !== roomId) return;
      setText(put);
      chat.drafts.set(roomId, put);
      document.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
    };
    window.addEventListener("natter:compose", onCompose);
    return () => window.removeEventListener("natter:compose", onCompose);
  }, [roomId]);
  const chars = [...text].length;
  const tooLong = chars > MAX_BODY_CHARS;
  const update = (v: string) => {
    setText(v);
    chat.drafts.set(roomId, v);
    if (v.trim()) chat.typing(roomId);
    else chat.stopTyping(roomId);
  };
  const files = uploads.ready;
  const canSend = (text.trim() !== "" || files.length > 0) && !tooLong && !uploads.busy;
  const send = () => {
    if (!canSend) return;
    chat.send(roomId, text.trim(), replyTo?.id, files);
    update("");
    uploads.sent();
    onSent();
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label class="icon attach" title="Attach files">
        <PaperclipIcon />
        <input
          type="file"
          multiple
          class="sr-only"
          aria-label="Attach files"
          onChange={(e) => {
            uploads.add(e.currentTarget.files ?? []);
            e.currentTarget.value = "";
          }}
        />
      </label>
      <textarea
        aria-label="Message"
        onPaste={(e) => {
          const pasted = [...(e.clipboardData?.files ?? [])];
          if (pasted.length === 0) return;
          e.preventDefault();
          uploads.add(pasted.map((f) => nameForPaste(f)));
        }}
        placeholder={`Message ${title}`}
        rows={1}
        value={text}
        ref={box}
        aria-autocomplete="list"
        aria-controls={candidates.length > 0 ? "mention-list" : undefined}
        aria-activedescendant={candidates.length > 0 ? `mention-${chosen}` : undefined}
        onInput={(e) => {
          update(e.currentTarget.value);
          setCaret(e.currentTarget.selectionStart ?? e.currentTarget.value.length);
          setPick(0);
        }}
        onKeyUp={(e) => {
          if (e.key.startsWith("Arrow") || e.key === "Home" || e.key === "End") setCaret(e.currentTarget.selectionStart ?? 0);
        }}
        onClick={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
        onKeyDown={(e) => {
          if (candidates.length > 0 && !e.isComposing) {
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              const step = e.key === "ArrowDown" ? 1 : -1;
              setPick((chosen + step + candidates.length) % candidates.length);
              return;
            }
            if (e.key === "Enter" || e.key === "Tab") {
              e.preventDefault();
              choose(candidates[chosen]);
              return;
            }
            if (e.key === "Escape") {
              e.preventDefault();
              setDismissed(tokenKey);
              return;
            }
          }
          if (e.key === "Escape" && replyTo) {
            e.preventDefault();
            onSent();
          } else if (e.key === "ArrowUp" && text === "" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
            // Up in an empty box edits your last message here, as in Slack and Element.
            const messages = chat.state.timelines[roomId]?.messages ?? [];
            // Its text, that is: a message of files alone has none to edit.
            const mine = [...messages].reverse().find((m) => m.sender_id === chat.state.me.id && !m.deleted && m.body !== "");
            if (mine) {
              e.preventDefault();
              editMessage(mine.id);
            }
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing && enterSends()) {
            e.preventDefault();
            send();
          }
        }}
      />
      {candidates.length > 0 && (
        <ul id="mention-list" class="mention-list" role="listbox" aria-label="People to mention">
          {candidates.map((c, i) => (
            <li
              key={c.insert}
              id={`mention-${i}`}
              role="option"
              aria-selected={i === chosen}
              class={i === chosen ? "selected" : ""}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus in the message box
                choose(c);
              }}
            >
              <strong>{c.label}</strong> <span class="muted small">{c.detail}</span>
            </li>
          ))}
        </ul>
      )}
      {chars > MAX_BODY_CHARS - 200 && (
        <span class={`counter${tooLong ? " over" : ""}`} aria-live="polite">
          {chars}/{MAX_BODY_CHARS}
        </span>
      )}
      <button type="submit" class="primary" disabled={!canSend}>
        Send
      </button>
    </form>
  );
}

/** The room's actions behind one button, shown instead of the row of them on narrow screens;
 * it closes once one is chosen. */
function RoomMenu({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLDetailsElement>(null);
  return (
    <details class="room-menu" ref={ref} onClick={(e) => {
      if ((e.target as HTMLElement).closest(".room-menu-items button")) ref.current!.open = false;
    }}>
      <summary aria-label="Room actions">⋯</summary>
      <div class="room-menu-items">{children}</div>
    </details>
  );
}
