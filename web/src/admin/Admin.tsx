// The Administration area, for admins only: users, rooms, invites, reports, the audit log and
// server settings. The server decides who may do what; this only shows its answers.

import { ask, askToDeleteRoom } from "../ui/Ask";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, describeError } from "../api";
import type { Id } from "../protocol";
import type { ChatState } from "../state";
import { adminApi, type AuditEntry, type Invite, type RoomSummary, type Settings, type UserSummary } from "./api";
import { ReportQueue } from "./Reports";

const TABS = ["Users", "Rooms", "Invites", "Reports", "Audit log", "Settings"] as const;
type Tab = (typeof TABS)[number];

export function Admin({ state, onMenu, onClose }: { state: ChatState; onMenu: () => void; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>("Users");
  return (
    <main class="room admin" aria-label="Administration">
      <header class="room-header">
        <button type="button" class="icon menu-button" aria-label="Open rooms" onClick={onMenu}>
          ☰
        </button>
        <div class="room-heading">
          <h1>Administration</h1>
        </div>
        <button type="button" onClick={onClose}>
          Back to chat
        </button>
      </header>
      <nav class="tabs" role="tablist" aria-label="Administration sections">
        {TABS.map((t) => (
          <button key={t} type="button" role="tab" aria-selected={t === tab} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </nav>
      <section class="admin-body" role="tabpanel" aria-label={tab}>
        {tab === "Users" && <Users state={state} />}
        {tab === "Rooms" && <Rooms />}
        {tab === "Invites" && <Invites />}
        {tab === "Reports" && <ReportQueue state={state} />}
        {tab === "Audit log" && <Audit state={state} />}
        {tab === "Settings" && <ServerSettings />}
      </section>
    </main>
  );
}

/** Runs `action`, shows what happened (or why not), and reloads. */
export function useAct(reload: () => void) {
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setMsg({ error: false, text: done });
      reload();
    } catch (e) {
      setMsg({ error: true, text: describeError(e) });
    }
  };
  const line = msg && (
    <p class={msg.error ? "error" : "muted small"} role={msg.error ? "alert" : "status"}>
      {msg.text}
    </p>
  );
  return { act, line, setMsg };
}

/** Loads with `load` now, whenever `deps` change, and on `reload()`. */
function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | null, () => void, string | null] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (v) => live && (setValue(v), setError(null)),
      (e) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [...deps, version]);
  return [value, () => setVersion((v) => v + 1), error];
}

function Search({ label, value, onInput }: { label: string; value: string; onInput: (v: string) => void }) {
  return (
    <label class="admin-search">
      {label}
      <input type="search" value={value} maxLength={64} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}

function Card({ children, label }: { children: ComponentChildren; label: string }) {
  return (
    <li class="admin-card" aria-label={label}>
      {children}
    </li>
  );
}

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : "never");

function Users({ state }: { state: ChatState }) {
  const [query, setQuery] = useState("");
  const [users, reload, error] = useLoad(() => adminApi.users(query), [query]);
  const { act, line, setMsg } = useAct(reload);
  const resetLink = async (u: UserSummary) => {
    try {
      const token = await adminApi.resetLink(u.user.id);
      setMsg({ error: false, text: `One-time reset link for ${u.user.username}: ${location.origin}/?reset=${token}` });
    } catch (e) {
      setMsg({ error: true, text: describeError(e) });
    }
  };
  return (
    <>
      <Search label="Find people" value={query} onInput={setQuery} />
      {error && <p class="error" role="alert">{error}</p>}
      {line}
      <ul class="admin-list">
        {(users ?? []).map((s) => {
          const u = s.user;
          const self = u.id === state.me.id;
          return (
            <Card key={u.id} label={u.username}>
              <span class="admin-card-text">
                <span>
                  <strong>{u.display_name}</strong> <span class="muted">@{u.username}</span>
                  {u.is_admin && <span class="tag">admin</span>}
                  {u.deactivated && <span class="tag warn">deactivated</span>}
                </span>
                <span class="muted small">
                  joined {when(s.created_at)} · last seen {when(u.last_seen)} · {s.sessions} sessions
                </span>
              </span>
              {!self && (
                <span class="admin-actions">
                  <button type="button" onClick={() => act(() => adminApi.setAdmin(u.id, !u.is_admin), u.is_admin ? `${u.username} is no longer an admin.` : `${u.username} is an admin.`)}>
                    {u.is_admin ? "Remove admin" : "Make admin"}
                  </button>
                  {u.deactivated ? (
                    <button type="button" onClick={() => act(() => adminApi.reactivate(u.id), `${u.username} reactivated.`)}>
                      Reactivate
                    </button>
                  ) : (
                    <button
                      type="button"
                      onClick={async () => {
                        const reason = await ask({
                          title: `Deactivate ${u.username}?`,
                          message: "Every session of theirs ends now, and they cannot sign in until reactivated.",
                          confirm: "Deactivate",
                          danger: true,
                          input: { label: "Reason (optional)" },
                        });
                        if (reason !== null) void act(() => adminApi.deactivate(u.id, reason), `${u.username} deactivated.`);
                      }}
                    >
                      Deactivate
                    </button>
                  )}
                  <button type="button" onClick={() => act(() => adminApi.endSessions(u.id), `${u.username} is signed out everywhere.`)}>
                    Sign out everywhere
                  </button>
                  <button type="button" onClick={() => void resetLink(s)}>
                    Reset link
                  </button>
                  <button
                    type="button"
                    class="danger"
                    onClick={async () => {
                      const typed = await ask({
                        title: `Delete ${u.username} for good?`,
                        message: 'Their messages stay, from "Deleted user"; their files go. This cannot be undone.',
                        confirm: "Delete account",
                        danger: true,
                        input: { label: "Type the username to confirm", mustEqual: u.username },
                      });
                      if (typed === u.username) void act(() => adminApi.deleteUser(u.id, ""), `${u.username} deleted.`);
                    }}
                  >
                    Delete
                  </button>
                </span>
              )}
            </Card>
          );
        })}
      </ul>
      <CreateUser onCreated={reload} />
    </>
  );
}

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const { act, line } = useAct(onCreated);
  return (
    <form
      class="stack admin-form"
      aria-label="Create an account"
      onSubmit={(e) => {
        e.preventDefault();
        void act(() => adminApi.createUser(username.trim(), password, admin), `Created ${username.trim()}.`).then(() => {
          setUsername("");
          setPassword("");
        });
      }}
    >
      <h2>Create an account</h2>
      <label>
        Username
        <input required maxLength={32} autocapitalize="none" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>
        Password
        <input required type="password" autocomplete="new-password" minLength={8} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <label class="inline">
        <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} /> Admin
      </label>
      {line}
      <button type="submit" class="primary">
        Create account
      </button>
    </form>
  );
}

function Rooms() {
  const [query, setQuery] = useState("");
  const [rooms, reload, error] = useLoad(() => adminApi.rooms(query), [query]);
  const { act, line } = useAct(reload);
  const row = ({ room, members }: RoomSummary) => (
    <Card key={room.id} label={room.name}>
      <span class="admin-card-text">
        <span>
          <strong>
            {room.kind === "private" ? "🔒" : "#"}
            {room.name}
          </strong>
          {room.archived && <span class="tag warn">archived</span>}
        </span>
        <span class="muted small">
          {room.kind} · {members} members{room.topic ? ` · ${room.topic}` : ""}
        </span>
      </span>
      <span class="admin-actions">
        <button type="button" onClick={() => act(() => adminApi.updateRoom(room.id, { archived: !room.archived }), room.archived ? `${room.name} is back.` : `${room.name} archived.`)}>
          {room.archived ? "Unarchive" : "Archive"}
        </button>
        <button
          type="button"
          class="danger"
          onClick={async () => {
            const typed = await askToDeleteRoom(room.name);
            if (typed !== null) void act(() => adminApi.deleteRoom(room.id, typed), `${room.name} deleted.`);
          }}
        >
          Delete
        </button>
      </span>
    </Card>
  );
  return (
    <>
      <Search label="Find rooms" value={query} onInput={setQuery} />
      {error && <p class="error" role="alert">{error}</p>}
      {line}
      <ul class="admin-list">{(rooms ?? []).map(row)}</ul>
      <label class="stack">
        Import a room from another natter server's JSON export
        <input
          type="file"
          accept="application/json,.json"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = "";
            if (!file) return;
            void act(async () => {
              let exported: unknown;
              try {
                exported = JSON.parse(await file.text());
              } catch {
                throw new ApiError("invalid_import", "That file is not a natter room export (JSON).", 0);
              }
              return adminApi.importRoom(exported);
            }, `Imported ${file.name}.`);
          }}
        />
      </label>
    </>
  );
}

function Invites() {
  const [invites, reload, error] = useLoad(adminApi.invites, []);
  const [uses, setUses] = useState(1);
  const [days, setDays] = useState(7);
  const [made, setMade] = useState<string | null>(null);
  const { act, line } = useAct(reload);
  const label = (i: Invite) =>
    i.revoked_at ? "revoked" : !i.usable ? (i.uses.length >= i.max_uses ? "used up" : "expired") : "usable";
  return (
    <>
      <form
        class="row admin-form"
        aria-label="Create an invite"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const invite = await adminApi.createInvite(uses, days);
            setMade(`${location.origin}/?invite=${invite.token}`);
          }, "Invite created. Share the link; it is shown only once.");
        }}
      >
        <label>
          Uses
          <input type="number" min={1} max={1000} value={uses} onInput={(e) => setUses(Number(e.currentTarget.value))} />
        </label>
        <label>
          Days
          <input type="number" min={1} max={90} value={days} onInput={(e) => setDays(Number(e.currentTarget.value))} />
        </label>
        <button type="submit" class="primary">
          Create invite
        </button>
      </form>
      {line}
      {made && (
        <p class="invite-link">
          <input readOnly aria-label="Invite link" value={made} onFocus={(e) => e.currentTarget.select()} />
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <ul class="admin-list">
        {(invites ?? []).map((i) => (
          <Card key={i.id} label={`Invite ${i.id}`}>
            <span class="admin-card-text">
              <span>
                <strong>Invite {i.id}</strong> <span class="tag">{label(i)}</span>
              </span>
              <span class="muted small">
                {i.uses.length} of {i.max_uses} used · until {when(i.expires_at)}
              </span>
            </span>
            {!i.revoked_at && (
              <span class="admin-actions">
                <button type="button" onClick={() => act(() => adminApi.revokeInvite(i.id), `Invite ${i.id} revoked.`)}>
                  Revoke
                </button>
              </span>
            )}
          </Card>
        ))}
      </ul>
    </>
  );
}

const KINDS = [
  "", "login", "login_failed", "password_changed", "password_reset", "sessions_ended", "user_created",
  "user_deactivated", "user_reactivated", "user_deleted", "server_role_changed", "room_role_changed",
  "invite_created", "invite_used", "invite_revoked", "settings_changed", "kicked", "banned", "unbanned",
  "muted", "unmuted", "slow_mode", "message_deleted", "room_renamed", "room_changed", "room_archived",
  "room_unarchived", "room_deleted", "report_created", "report_resolved",
];

function Audit({ state }: { state: ChatState }) {
  const [kind, setKind] = useState("");
  const [pages, setPages] = useState<AuditEntry[][]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const load = async (before?: string) => {
    try {
      const page = await adminApi.audit({ kind, before: before ?? "", limit: "50" });
      setPages((p) => (before ? [...p, page.entries] : [page.entries]));
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  };
  useEffect(() => void load(), [kind]);
  const who = (id?: Id) => (id === undefined ? "console" : state.users[id]?.username ?? `#${id}`);
  return (
    <>
      <label class="admin-search">
        Kind
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k || "everything"}
            </option>
          ))}
        </select>
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <ol class="admin-list audit">
        {pages.flat().map((e) => (
          <li key={e.id} class="admin-card" aria-label={`${e.kind} ${e.id}`}>
            <span class="admin-card-text">
              <strong>{e.kind}</strong> <span class="muted small">{when(e.at)}</span>
              <span class="small">
                by {who(e.actor_id)}
                {e.target_user_id && ` · user ${who(e.target_user_id)}`}
                {e.target_room_id && ` · room #${e.target_room_id}`}
                {e.addr && ` · from ${e.addr}`}
              </span>
              {(e.reason || e.detail) && (
                <span class="muted small">
                  {e.reason && `“${e.reason}” `}
                  {e.detail}
                </span>
              )}
            </span>
          </li>
        ))}
      </ol>
      {next && (
        <button type="button" onClick={() => void load(next)}>
          Older entries
        </button>
      )}
    </>
  );
}

function ServerSettings() {
  const [found, reload, error] = useLoad(adminApi.settings, []);
  const [rooms] = useLoad(() => adminApi.rooms(""), []);
  const publicRooms = (rooms ?? []).filter((r) => r.room.kind === "public" && !r.room.archived).map((r) => r.room);
  const [draft, setDraft] = useState<Settings | null>(null);
  useEffect(() => setDraft(found), [found]);
  const { act, line } = useAct(reload);
  if (!draft) return error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading…</p>;
  const set = (change: Partial<Settings>) => setDraft({ ...draft, ...change });
  return (
    <form
      class="stack admin-form"
      aria-label="Server settings"
      onSubmit={(e) => {
        e.preventDefault();
        const { server_name, registration, members_can_invite, reuse_usernames, default_room_ids } = draft;
        const change = { server_name, registration, members_can_invite, reuse_usernames, default_room_ids };
        void act(() => adminApi.updateSettings(change), "Settings saved.");
      }}
    >
      <label>
        Server name
        <input required maxLength={64} value={draft.server_name} onInput={(e) => set({ server_name: e.currentTarget.value })} />
      </label>
      <fieldset>
        <legend>Who can create an account</legend>
        {(["open", "invite", "closed"] as const).map((r) => (
          <label key={r} class="inline">
            <input type="radio" name="registration" checked={draft.registration === r} onChange={() => set({ registration: r })} />
            {r === "open" ? "Anyone" : r === "invite" ? "People with an invite" : "Nobody: admins create accounts"}
          </label>
        ))}
      </fieldset>
      <label class="inline">
        <input type="checkbox" checked={draft.members_can_invite} onChange={(e) => set({ members_can_invite: e.currentTarget.checked })} />
        Members may create invites
      </label>
      <label class="inline">
        <input type="checkbox" checked={draft.reuse_usernames} onChange={(e) => set({ reuse_usernames: e.currentTarget.checked })} />
        A deleted account's username may be taken again
      </label>
      <fieldset>
        <legend>Rooms every new account joins</legend>
        {publicRooms.map((room) => {
          const chosen = draft.default_room_ids ?? publicRooms.filter((r) => r.name === "general").map((r) => r.id);
          return (
            <label key={room.id} class="inline">
              <input
                type="checkbox"
                checked={chosen.includes(room.id)}
                onChange={(e) =>
                  set({
                    default_room_ids: e.currentTarget.checked ? [...chosen, room.id] : chosen.filter((id) => id !== room.id),
                  })
                }
              />
              #{room.name}
            </label>
          );
        })}
      </fieldset>
      {line}
      <button type="submit" class="primary">
        Save settings
      </button>
    </form>
  );
}
