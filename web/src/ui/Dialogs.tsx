// Modal dialogs (native <dialog>: focus stays inside, Escape closes): create a room, browse
// public rooms, start a DM, and the profile with settings.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, describeError } from "../api";
import type { Chat } from "../chat";
import type { Room, User } from "../protocol";
import type { ChatState } from "../state";

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    return () => d.close();
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-label={title} onClose={onClose} onCancel={onClose}>
      <header class="modal-header">
        <h2>{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}

function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function CreateRoom({ chat, onClose }: { chat: Chat; onClose: () => void }) {
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [visibility, setVisibility] = useState<"public" | "private">("public");
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title="Create a room" onClose={onClose}>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const room = await api.createRoom(name, topic, visibility);
            chat.addRoom(room);
            chat.open(room.id);
            onClose();
          } catch (err) {
            setError(describeError(err));
          }
        }}
      >
        <label>
          Name
          <input autoFocus required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Topic (optional)
          <input maxLength={500} value={topic} onInput={(e) => setTopic(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Who can find it</legend>
          <label class="inline">
            <input type="radio" name="vis" checked={visibility === "public"} onChange={() => setVisibility("public")} />
            Public: anyone on this server can find and join it
          </label>
          <label class="inline">
            <input type="radio" name="vis" checked={visibility === "private"} onChange={() => setVisibility("private")} />
            Private: only people you add
          </label>
        </fieldset>
        <ErrorLine error={error} />
        <button type="submit" class="primary">
          Create room
        </button>
      </form>
    </Modal>
  );
}

export function BrowseRooms({ chat, state, onClose }: { chat: Chat; state: ChatState; onClose: () => void }) {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.rooms().then(setRooms, (e) => setError(describeError(e)));
  }, []);
  const shown = (rooms ?? []).filter(
    (r) => r.kind === "public" && r.name.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  return (
    <Modal title="Browse public rooms" onClose={onClose}>
      <label>
        Filter rooms
        <input autoFocus value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </label>
      <ErrorLine error={error} />
      {rooms === null && !error && <p class="muted">Loading…</p>}
      <ul class="pick-list">
        {shown.map((r) => {
          const joined = r.id in state.rooms;
          return (
            <li key={r.id}>
              <span>
                <strong># {r.name}</strong>
                {r.topic && <span class="muted small"> — {r.topic}</span>}
              </span>
              <button
                type="button"
                aria-label={joined ? `Open ${r.name}` : `Join ${r.name}`}
                onClick={async () => {
                  try {
                    if (!joined) chat.addRoom(await api.join(r.id));
                    chat.open(r.id);
                    onClose();
                  } catch (e) {
                    setError(describeError(e));
                  }
                }}
              >
                {joined ? "Open" : "Join"}
              </button>
            </li>
          );
        })}
      </ul>
      {rooms !== null && shown.length === 0 && <p class="muted">No public rooms match.</p>}
    </Modal>
  );
}

export function NewDm({ chat, state, onClose }: { chat: Chat; state: ChatState; onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<User[]>([]);
  const [picked, setPicked] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.searchUsers(query).then(
        (users) => live && setFound(users.filter((u) => u.id !== state.me.id)),
        (e) => live && setError(describeError(e)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [query]);
  const toggle = (u: User) =>
    setPicked(picked.some((p) => p.id === u.id) ? picked.filter((p) => p.id !== u.id) : [...picked, u]);
  return (
    <Modal title="New direct message" onClose={onClose}>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (picked.length === 0) {
            setError("Pick at least one person.");
            return;
          }
          try {
            const room = await api.openDm(picked.map((u) => u.id));
            chat.addRoom(room);
            chat.open(room.id);
            onClose();
          } catch (err) {
            setError(describeError(err));
          }
        }}
      >
        <label>
          Search people by username
          <input autoFocus autocapitalize="none" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        {picked.length > 0 && <p>With: {picked.map((u) => u.display_name).join(", ")}</p>}
        <ul class="pick-list">
          {found.map((u) => {
            const on = picked.some((p) => p.id === u.id);
            return (
              <li key={u.id}>
                <label class="inline">
                  <input type="checkbox" checked={on} onChange={() => toggle(u)} />
                  {u.display_name} <span class="muted small">@{u.username}</span>
                </label>
              </li>
            );
          })}
        </ul>
        <ErrorLine error={error} />
        <button type="submit" class="primary">
          Start conversation
        </button>
      </form>
    </Modal>
  );
}

export function Profile(props: { chat: Chat; state: ChatState; onClose: () => void; onSignedOut: () => void }) {
  const { chat, state, onClose, onSignedOut } = props;
  const [name, setName] = useState(state.me.display_name);
  const [status, setStatus] = useState(state.me.status);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [pwMsg, setPwMsg] = useState<{ error: boolean; text: string } | null>(null);
  const canNotify = typeof Notification !== "undefined";
  return (
    <Modal title="Profile and settings" onClose={onClose}>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            chat.setMe(await api.updateProfile({ display_name: name, status }));
            setSaved("Profile saved.");
          } catch (err) {
            setError(describeError(err));
          }
        }}
      >
        <p class="muted">Signed in as @{state.me.username}</p>
        <label>
          Display name
          <input autoFocus required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Status
          <input maxLength={140} value={status} placeholder="What are you up to?" onInput={(e) => setStatus(e.currentTarget.value)} />
        </label>
        <ErrorLine error={error} />
        {saved && <p role="status" class="muted small">{saved}</p>}
        <button type="submit" class="primary">
          Save profile
        </button>
      </form>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (next.length < 8) {
            setPwMsg({ error: true, text: "Passwords must be at least 8 characters long." });
            return;
          }
          try {
            await api.changePassword(current, next);
            setPwMsg({ error: false, text: "Password changed. Your other sessions were signed out." });
            setCurrent("");
            setNext("");
          } catch (err) {
            const text = err instanceof ApiError && err.code === "forbidden" ? "The current password is wrong." : describeError(err);
            setPwMsg({ error: true, text });
          }
        }}
      >
        <h3>Change password</h3>
        <label>
          Current password
          <input type="password" autocomplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autocomplete="new-password" required minLength={8} maxLength={1024} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        {pwMsg && (
          <p class={pwMsg.error ? "error" : "muted small"} role={pwMsg.error ? "alert" : "status"}>
            {pwMsg.text}
          </p>
        )}
        <button type="submit">Change password</button>
      </form>
      <div class="stack">
        <h3>Your data</h3>
        <p class="muted small">Your profile, every message you sent and every file you uploaded, as a ZIP of JSON.</p>
        <a class="button" href="/api/v1/me/export" download>
          Download my data
        </a>
      </div>
      <div class="stack">
        <h3>Notifications</h3>
        <label class="inline">
          <input
            type="checkbox"
            disabled={!canNotify}
            checked={chat.settings.notifications && canNotify && Notification.permission === "granted"}
            onChange={async (e) => {
              const on = e.currentTarget.checked;
              if (on && Notification.permission !== "granted") {
                const answer = await Notification.requestPermission();
                if (answer !== "granted") {
                  setError("Notifications are blocked for this site in your browser settings.");
                  chat.setNotifications(false);
                  return;
                }
              }
              chat.setNotifications(on);
            }}
          />
          Desktop notifications for direct messages while this tab is in the background
        </label>
      </div>
      <button
        type="button"
        class="danger"
        onClick={async () => {
          try {
            await api.logout();
          } finally {
            chat.forget();
            onSignedOut();
          }
        }}
      >
        Sign out
      </button>
    </Modal>
  );
}
