// Rooms and DMs with unread counts, the user's own card and the connection state.

import type { Chat } from "../chat";
import type { Room } from "../protocol";
import { mentionCount, roomTitle, sidebarRooms, totalUnread, unreadCount, type ChatState } from "../state";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { memo } from "./memo";
import { api, describeError } from "../api";
import { adminApi, type Invitation } from "../admin/api";
import type { DialogKind, View } from "./Main";
import { fuzzyFilter } from "../fuzzy";

interface Props {
  chat: Chat;
  state: ChatState;
  onOpen: (roomId: string) => void;
  onDialog: (d: DialogKind) => void;
  onView: (v: View) => void;
}

export function Sidebar({ chat, state, onOpen, onDialog, onView }: Props) {
  const staff = Object.values(state.rooms).some(
    (r) => r.kind !== "dm" && (r.owner_id === state.me.id || (r.moderator_ids ?? []).includes(state.me.id)),
  );
  const [filter, setFilter] = useState("");
  const all = sidebarRooms(state);
  const label = (r: Room) => roomTitle(state, r);
  const channels = fuzzyFilter(all.channels, filter, label);
  const dms = fuzzyFilter(all.dms, filter, label);
  const filtering = filter.trim() !== "";
  // The rows compare their props to skip rendering again: give them the same function each time.
  const open = useRef(onOpen);
  open.current = onOpen;
  const openRoom = useMemo(() => (id: string) => open.current(id), []);
  const item = (room: Room) => {
    const active = room.id === state.active;
    return (
      <RoomItem
        key={room.id}
        room={room}
        title={roomTitle(state, room)}
        unread={active ? 0 : unreadCount(state, room.id)}
        mentions={active ? 0 : mentionCount(state, room.id)}
        active={active}
        onOpen={openRoom}
      />
    );
  };
  const me = state.me;
  return (
    <aside class="sidebar" aria-label="Sidebar">
      <header class="sidebar-header">
        <span class="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} /> natter
        </span>
        <ConnectionBadge chat={chat} state={state} />
      </header>
      <nav aria-label="Rooms" class="room-nav">
        <div class="room-filter">
          <input
            type="search"
            aria-label="Filter rooms"
            placeholder="Filter rooms (Ctrl+K to switch)"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape" && filter) {
                e.stopPropagation();
                setFilter("");
              } else if (e.key === "Enter") {
                const first = channels[0] ?? dms[0];
                if (first) {
                  onOpen(first.id);
                  setFilter("");
                }
              }
            }}
          />
        </div>
        {totalUnread(state) > 0 && (
          <button type="button" class="link small mark-all" onClick={() => chat.markAllRead()}>
            Mark all as read
          </button>
        )}
        <div class="section-head">
          <h2>Rooms</h2>
          <button type="button" class="icon" aria-label="Browse public rooms" title="Browse public rooms" onClick={() => onDialog("browse")}>
            ⌕
          </button>
          <button type="button" class="icon" aria-label="Create a room" title="Create a room" onClick={() => onDialog("create")}>
            +
          </button>
        </div>
        <ul>{channels.map(item)}</ul>
        <div class="section-head">
          <h2>Direct messages</h2>
          <button type="button" class="icon" aria-label="New direct message" title="New direct message" onClick={() => onDialog("dm")}>
            +
          </button>
        </div>
        <ul>{dms.map(item)}</ul>
        {dms.length === 0 && !filtering && <p class="muted small pad">No conversations yet.</p>}
        {filtering && channels.length === 0 && dms.length === 0 && (
          <p class="muted small pad" role="status">
            No room or conversation matches “{filter.trim()}”.
          </p>
        )}
        <Invitations chat={chat} state={state} onOpen={onOpen} />
        {(staff || state.me.is_admin) && (
          <div class="admin-links">
            <button type="button" class="link" onClick={() => onView("reports")}>
              Reports
            </button>
            {state.me.is_admin && (
              <button type="button" class="link" onClick={() => onView("admin")}>
                Administration
              </button>
            )}
          </div>
        )}
      </nav>
      <button type="button" class="me-card" aria-label="Profile and settings" onClick={() => onDialog("profile")}>
        <Avatar id={me.id} name={me.display_name} online />
        <span class="me-text">
          <strong>{me.display_name}</strong>
          <span class="muted small">{me.status || `@${me.username}`}</span>
        </span>
      </button>
    </aside>
  );
}

interface ItemProps {
  room: Room;
  title: string;
  unread: number;
  mentions: number;
  active: boolean;
  onOpen: (roomId: string) => void;
}

/** One room in the list: it renders again only when what it shows changes, not for every
 * message that moves the room's newest seq. */
const RoomItem = memo(
  ({ room, title, unread, mentions, active, onOpen }: ItemProps) => {
    const shown = unread >= 999 ? "999+" : String(unread);
    let label = unread > 0 ? `${title}, ${shown} unread` : title;
    if (mentions > 0) label += `, ${mentions} ${mentions === 1 ? "mention" : "mentions"}`;
    return (
      <li>
        <button
          type="button"
          class={`room-item${active ? " active" : ""}${unread ? " unread" : ""}`}
          aria-current={active ? "page" : undefined}
          aria-label={label}
          onClick={() => onOpen(room.id)}
        >
          <span class="room-icon" aria-hidden="true">
            {room.kind === "dm" ? "@" : room.kind === "private" ? "🔒" : "#"}
          </span>
          <span class="room-name">{title}</span>
          {mentions > 0 && (
            <span class="badge mention-badge" aria-hidden="true">
              @{mentions}
            </span>
          )}
          {unread > 0 && (
            <span class="badge" aria-hidden="true">
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </button>
      </li>
    );
  },
  (a, b) =>
    a.title === b.title &&
    a.unread === b.unread &&
    a.mentions === b.mentions &&
    a.active === b.active &&
    a.onOpen === b.onOpen &&
    a.room.id === b.room.id &&
    a.room.kind === b.room.kind,
);

function ConnectionBadge({ chat, state }: { chat: Chat; state: ChatState }) {
  const label = state.conn === "online" ? "Connected" : connectionText(chat, state);
  return (
    <span class={`conn ${state.conn}`} title={label}>
      {label}
    </span>
  );
}

/** What to tell the user while the connection is down or coming up. */
export function connectionText(chat: Chat, state: ChatState): string {
  if (state.conn === "connecting") return "Connecting…";
  if (chat.replaced) return "Disconnected: your account has too many windows and devices connected.";
  const secs = chat.retryAt ? Math.max(0, Math.ceil((chat.retryAt - Date.now()) / 1000)) : 0;
  return secs > 0 ? `Offline. Reconnecting in ${secs} s…` : "Offline. Reconnecting…";
}

/** Shown above the messages while not connected, at every screen size. */
export function ConnectionBanner({ chat, state }: { chat: Chat; state: ChatState }) {
  return (
    <div class={`conn-banner ${state.conn}`} role="status" hidden={state.conn === "online"}>
      {state.conn !== "online" && connectionText(chat, state)}
      {state.conn === "offline" && (
        <>
          {" "}
          <button type="button" class="link" onClick={() => chat.retryNow()}>
            Retry now
          </button>
        </>
      )}
    </div>
  );
}

/**
 * A person's initial on a colour of their own. The colour comes from the account's id, not the
 * name, so it never changes and a rename cannot make two people look alike; ids a step apart
 * are the golden angle apart on the colour wheel.
 */
export function Avatar({ id, name, online }: { id: string; name: string; online?: boolean }) {
  const initials = name.trim().slice(0, 1).toUpperCase() || "?";
  const hue = avatarHue(id);
  return (
    <span class="avatar" style={{ "--hue": hue }} aria-hidden="true">
      {initials}
      {online !== undefined && <span class={`dot${online ? " on" : ""}`} />}
    </span>
  );
}

/** Invitations to public rooms waiting for an answer: join, or decline. */
function Invitations({ chat, state, onOpen }: { chat: Chat; state: ChatState; onOpen: (id: string) => void }) {
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    adminApi.invitations().then(setInvitations, () => setInvitations([]));
  }, [state.notices, version]);
  if (invitations.length === 0) return null;
  const who = (id: string) => state.users[id]?.display_name ?? "Someone";
  return (
    <section aria-label="Invitations" class="invitations">
      <div class="section-head">
        <h2>Invitations</h2>
      </div>
      <ul>
        {invitations.map((i) => (
          <li key={i.room.id} class="invitation">
            <span class="small">
              {who(i.by)} invites you to <strong>#{i.room.name}</strong>
            </span>
            <span class="row">
              <button
                type="button"
                onClick={() =>
                  api.join(i.room.id).then(
                    (room) => {
                      chat.addRoom(room);
                      setVersion((v) => v + 1);
                      onOpen(room.id);
                    },
                    (e: unknown) => setError(describeError(e)),
                  )
                }
              >
                Join
              </button>
              <button type="button" class="link" onClick={() => adminApi.decline(i.room.id).then(() => setVersion((v) => v + 1))}>
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
      {error && <p class="error small" role="alert">{error}</p>}
    </section>
  );
}

/** The hue (0 to 359) of an account's avatar. */
export function avatarHue(id: string): number {
  const n = Number.parseInt(id, 10);
  return Number.isFinite(n) ? Math.floor((n * 137.508) % 360) : 0;
}
