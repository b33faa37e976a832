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
import { MessageList } from "./MessageList";
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

/** Unsent text per user and room, kept while the user looks at other rooms. */
const drafts = new Map<string, string>();

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
  const draftKey = `${chat.state.me.id}/${roomId}`;
  const [text, setText] = useState(() => drafts.get(draftKey) ?? "");
  useEffect(() => () => chat.stopTyping(roomId), [roomId]);
  // A refused message put back to be edited (`compose` in MessageList).
  useEffect(() => {
    const onCompose = (e: Event) => {
      const { roomId: to, text: put } = (e as CustomEvent<{ roomId: string; text: string }>).detail;
      if (to !== roomId) return;
      setText(put);
      drafts.set(draftKey, put);
      document.querySelector<HTMLTextAreaElement>(".composer textarea")?.focus();
    };
    window.addEventListener("natter:compose", onCompose);
    return () => window.removeEventListener("natter:compose", onCompose);
  }, [roomId, draftKey]);
  const chars = [...text].length;
  const tooLong = chars > MAX_BODY_CHARS;
  const update = (v: string) => {
    setText(v);
    drafts.set(draftKey, v);
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
        onInput={(e) => update(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && replyTo) {
            e.preventDefault();
            onSent();
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing && enterSends()) {
            e.preventDefault();
            send();
          }
        }}
      />
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
