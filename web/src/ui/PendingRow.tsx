// A message the user sent that the server has not stored yet: "Sending…", "Waiting for
// connection…", or why it was refused, with Retry (or Edit, when sending it again would be
// refused again) and Delete.

import { AttachmentList } from "./Attachments";
import type { Chat } from "../chat";
import { displayName, type ChatState, type Pending } from "../state";
import { linkify, timeLabel } from "../timeline";
import { compose } from "./MessageList";
import { Avatar } from "./Sidebar";

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

export function PendingRow({ chat, state, pending, first }: { chat: Chat; state: ChatState; pending: Pending; first: boolean }) {
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
