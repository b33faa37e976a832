// One message in a log: the server's sanitized HTML, edits and tombstones, the quote of the
// message it answers, reactions, its thread, and the actions a person may take on it.

import { ask } from "./Ask";
import { linkTo } from "../address";
import { AttachmentList } from "./Attachments";
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api";
import type { Chat } from "../chat";
import type { Message, Room } from "../protocol";
import { displayName, mentionsMe, type ChatState } from "../state";
import { fullTime, timeLabel } from "../timeline";
import { Avatar } from "./Sidebar";
import { adminApi } from "../admin/api";
import { memo } from "./memo";

/** The reactions offered one click away; any emoji the server knows can be sent. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅"];

export interface RowActions {
  onReply: (m: Message) => void;
  onThread: (m: Message) => void;
  onJump: (roomId: string, seq: number) => void;
}

interface Props extends RowActions {
  chat: Chat;
  state: ChatState;
  room: Room;
  message: Message;
  first: boolean;
  /** Open the edit box now (Up in an empty message box); `onEditStarted` says it did. */
  editRequested?: boolean;
  onEditStarted?: () => void;
}

/**
 * The server renders Markdown and sanitizes it with a strict allowlist (docs/protocol.md); that
 * HTML is the only markup ever inserted. The raw body is never parsed as HTML.
 */
export function HtmlBody({ html }: { html: string }) {
  return <div class="body rich" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** The users a message shows the names of: whether they changed decides whether it renders again. */
function namesShown(m: Message): string[] {
  const ids = [m.sender_id];
  if (m.reply_to) ids.push(m.reply_to.sender_id);
  m.reactions?.forEach((r) => ids.push(...r.user_ids));
  return ids;
}

/** Whether a row would render the same: most changes to the state (a message elsewhere, a
 * presence change) concern none of the rows on screen. */
function sameRow(a: Props, b: Props): boolean {
  const keys: (keyof Props)[] = ["message", "first", "editRequested", "chat", "onReply", "onThread", "onJump", "onEditStarted"];
  if (keys.some((k) => a[k] !== b[k])) return false;
  if (!sameRoom(a.room, b.room)) return false;
  if (a.state.me !== b.state.me || a.state.blocked !== b.state.blocked) return false;
  return a.state.users === b.state.users || namesShown(b.message).every((id) => a.state.users[id] === b.state.users[id]);
}

/** Whether a room is the same but for its newest seq and rev, which every message moves and no
 * row shows. */
function sameRoom(a: Room, b: Room): boolean {
  if (a === b) return true;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === "last_seq" || k === "last_rev") continue;
    const x = a[k as keyof Room];
    const y = b[k as keyof Room];
    if (x !== y && JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

export const MessageRow = memo(Row, sameRow);

function Row({ chat, state, room, message: m, first, onReply, onThread, onJump, editRequested, onEditStarted }: Props) {
  const name = displayName(state, m.sender_id);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editRequested) return;
    setEditing(true);
    onEditStarted?.();
  }, [editRequested]);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [revealed, setRevealed] = useState(false);
  const mine = m.sender_id === state.me.id;
  const collapsed = !!state.blocked[m.sender_id] && !revealed && !m.deleted;
  const act = (p: Promise<unknown>) => {
    setError(null);
    p.catch((e) => setError(describeError(e)));
  };
  const classes = ["msg", first ? "first" : "", mentionsMe(state, m) ? "mentioned" : "", m.deleted ? "deleted" : ""];
  return (
    <article class={classes.filter(Boolean).join(" ")} data-seq={m.seq} data-id={m.id} tabIndex={-1}>
      {first ? <Avatar id={m.sender_id} name={name} /> : <span class="gutter" aria-hidden="true" />}
      <div class="msg-main">
        {first && (
          <div class="msg-head">
            <strong class="sender">{name}</strong>
            {state.users[m.sender_id]?.deactivated && !state.users[m.sender_id]?.deleted && (
              <span class="tag">deactivated</span>
            )}
            <time dateTime={m.created_at} title={fullTime(m.created_at)}>
              {timeLabel(m.created_at)}
            </time>
          </div>
        )}
        {!first && (
          <time class="side-time" dateTime={m.created_at} title={fullTime(m.created_at)}>
            {timeLabel(m.created_at)}
          </time>
        )}
        {m.reply_to && !collapsed && (
          <button type="button" class="reply-quote" onClick={() => onJump(m.room_id, m.reply_to!.seq)}>
            <span class="muted">↪ {displayName(state, m.reply_to.sender_id)}:</span>{" "}
            {m.reply_to.deleted ? <em>deleted message</em> : m.reply_to.excerpt}
          </button>
        )}
        {m.deleted ? (
          <p class="body tombstone">This message was deleted.</p>
        ) : collapsed ? (
          <p class="body blocked-note">
            Message from someone you blocked.{" "}
            <button type="button" class="link" onClick={() => setRevealed(true)}>
              Show
            </button>
          </p>
        ) : editing ? (
          <EditForm
            initial={m.body}
            onCancel={() => setEditing(false)}
            onSave={(body) => {
              setEditing(false);
              if (body !== m.body) act(chat.actions.edit(m.id, body));
            }}
          />
        ) : (
          <HtmlBody html={m.html} />
        )}
        {!m.deleted && !collapsed && m.attachments && <AttachmentList attachments={m.attachments} />}
        <MessageMeta message={m} />
        {!collapsed && <Reactions chat={chat} state={state} message={m} act={act} />}
        {(m.reply_count ?? 0) > 0 && (
          <button type="button" class="thread-summary link" onClick={() => onThread(m)}>
            {m.reply_count} {m.reply_count === 1 ? "reply" : "replies"}
            {m.last_reply_at && <span class="muted"> · last {timeLabel(m.last_reply_at)}</span>}
          </button>
        )}
        {error && (
          <p class="error small" role="alert">
            {error}
          </p>
        )}
        {note && (
          <p class="muted small" role="status">
            {note}
          </p>
        )}
      </div>
      {!m.deleted && !editing && (
        <div class="msg-actions" role="toolbar" aria-label="Message actions">
          <ReactButton onPick={(emoji) => act(chat.actions.toggleReaction(m, emoji))} />
          <button type="button" class="icon" aria-label="Reply" title="Reply" onClick={() => onReply(m)}>
            ↩
          </button>
          <button type="button" class="icon" aria-label="Reply in thread" title="Reply in thread" onClick={() => onThread(m)}>
            🧵
          </button>
          <button
            type="button"
            class="icon"
            aria-label="Copy link"
            title="Copy link"
            onClick={() => {
              const link = linkTo(m.room_id, m.seq);
              // The clipboard needs a secure context (HTTPS or this machine); else show the link.
              (navigator.clipboard?.writeText(link) ?? Promise.reject(new Error("no clipboard")))
                .then(() => setNote("Link copied."))
                .catch(() => setNote(`Link: ${link}`));
            }}
          >
            🔗
          </button>
          {mine && (
            <button type="button" class="icon" aria-label="Edit" title="Edit" onClick={() => setEditing(true)}>
              ✎
            </button>
          )}
          {chat.actions.moderates(room) && (
            <button
              type="button"
              class="icon"
              aria-label={m.pinned_at ? "Unpin" : "Pin"}
              title={m.pinned_at ? "Unpin" : "Pin"}
              onClick={() => act(chat.actions.setPinned(m.id, !m.pinned_at))}
            >
              📌
            </button>
          )}
          {!mine && room.kind !== "dm" && (
            <button
              type="button"
              class="icon"
              aria-label="Report"
              title="Report to the room's moderators"
              onClick={async () => {
                const reason = await ask({
                  title: "Report this message",
                  message: "The room's moderators will see it with your reason.",
                  confirm: "Report",
                  input: { label: "Why?" },
                });
                if (reason !== null) act(adminApi.report(m.id, reason).then(() => setNote("Reported. The moderators will look at it.")));
              }}
            >
              ⚑
            </button>
          )}
          {(mine || chat.actions.moderates(room)) && (
            <button
              type="button"
              class="icon"
              aria-label="Delete"
              title="Delete"
              onClick={async () => {
                const sure = await ask({ title: "Delete this message?", message: "It is deleted for everyone.", confirm: "Delete", danger: true });
                if (sure !== null) act(chat.actions.remove(m.id));
              }}
            >
              🗑
            </button>
          )}
        </div>
      )}
    </article>
  );
}

/** "(edited)" and "📌 pinned" on one quiet line under the message, a dot between the two. */
function MessageMeta({ message: m }: { message: Message }) {
  const edited = !!m.edited_at && !m.deleted;
  const pinned = !!m.pinned_at;
  if (!edited && !pinned) return null;
  return (
    <div class="msg-meta muted small">
      {edited && (
        <span class="edited" title={fullTime(m.edited_at!)}>
          (edited)
        </span>
      )}
      {edited && pinned && <span aria-hidden="true"> · </span>}
      {pinned && <span class="pinned-flag">📌 pinned</span>}
    </div>
  );
}

function EditForm({ initial, onSave, onCancel }: { initial: string; onSave: (b: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const box = useRef<HTMLTextAreaElement>(null);
  // The focus goes into the box, after its text (autofocus works only as a page loads).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const backToComposer = () => document.querySelector<HTMLTextAreaElement>(".room .composer textarea")?.focus();
  const save = () => {
    if (text.trim()) {
      onSave(text.trim());
      backToComposer();
    }
  };
  return (
    <form
      class="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <textarea
        aria-label="Edit message"
        value={text}
        ref={box}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onCancel();
            backToComposer();
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            save();
          }
        }}
      />
      <button type="submit" class="primary">
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

function Reactions({
  chat,
  state,
  message,
  act,
}: {
  chat: Chat;
  state: ChatState;
  message: Message;
  act: (p: Promise<unknown>) => void;
}) {
  const reactions = message.reactions ?? [];
  if (reactions.length === 0) return null;
  return (
    <div class="reactions">
      {reactions.map((r) => {
        const mine = r.user_ids.includes(state.me.id);
        const who = r.user_ids.map((id) => displayName(state, id)).join(", ");
        return (
          <button
            key={r.emoji}
            type="button"
            class={`reaction${mine ? " mine" : ""}`}
            aria-pressed={mine}
            aria-label={`${r.emoji} ${r.user_ids.length}: ${who}`}
            title={who}
            onClick={() => act(chat.actions.toggleReaction(message, r.emoji))}
          >
            {r.emoji} <span class="count">{r.user_ids.length}</span>
          </button>
        );
      })}
    </div>
  );
}

function ReactButton({ onPick }: { onPick: (emoji: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <span class="react-picker">
      <button type="button" class="icon" aria-label="Add reaction" aria-expanded={open} title="Add reaction" onClick={() => setOpen(!open)}>
        ☺
      </button>
      {open && (
        <span class="palette" role="group" aria-label="Pick a reaction">
          {QUICK_REACTIONS.map((e) => (
            <button
              key={e}
              type="button"
              class="icon"
              aria-label={`React ${e}`}
              onClick={() => {
                setOpen(false);
                onPick(e);
              }}
            >
              {e}
            </button>
          ))}
        </span>
      )}
    </span>
  );
}
