// The members panel: who is in the room, who is online, when the others were last seen.

import { ask } from "./Ask";
import { useEffect, useState } from "preact/hooks";
import { api, describeError } from "../api";
import type { Chat } from "../chat";
import type { Room } from "../protocol";
import type { ChatState } from "../state";
import { lastSeenLabel } from "../timeline";
import { adminApi } from "../admin/api";
import { Avatar } from "./Sidebar";

export function Members({ chat, state, room, onClose }: { chat: Chat; state: ChatState; room: Room; onClose: () => void }) {
  const ids = state.members[room.id] ?? room.member_ids ?? [];
  const users = ids
    .map((id) => state.users[id])
    .filter((u) => u !== undefined)
    .sort((a, b) => Number(b.id in state.online) - Number(a.id in state.online) || a.display_name.localeCompare(b.display_name));
  const online = users.filter((u) => u.id in state.online).length;
  // In a big room the server announces no one's comings and goings unasked: follow those shown.
  const watched = ids.join(",");
  useEffect(() => {
    chat.presence.set(watched ? watched.split(",") : []);
    return () => chat.presence.set([]);
  }, [chat, watched]);
  return (
    <aside class="members" aria-label="Members">
      <header class="members-header">
        <h2>
          Members <span class="muted">({users.length}, {online} online)</span>
        </h2>
        <button type="button" class="icon" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </header>
      <ul>
        {users.map((u) => {
          const on = u.id in state.online;
          return (
            <li key={u.id} class="member">
              <Avatar id={u.id} name={u.display_name} online={on} />
              <span class="member-text">
                <span>
                  {u.display_name} <span class="muted small">@{u.username}</span>
                </span>
                <span class="muted small">
                  {on ? "online" : lastSeenLabel(u.last_seen, Date.now())}
                  {u.status ? ` · ${u.status}` : ""}
                </span>
              </span>
              {u.id !== state.me.id && <BlockButton chat={chat} blocked={!!state.blocked[u.id]} userId={u.id} name={u.display_name} />}
              {u.id !== state.me.id && room.kind !== "dm" && chat.actions.moderates(room) && (
                <ModerateMenu state={state} room={room} userId={u.id} name={u.display_name} />
              )}
            </li>
          );
        })}
      </ul>
      {room.kind !== "dm" && <AddMember room={room} />}
    </aside>
  );
}

function BlockButton({ chat, blocked, userId, name }: { chat: Chat; blocked: boolean; userId: string; name: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        class="link small block-button"
        aria-label={`${blocked ? "Unblock" : "Block"} ${name}`}
        onClick={async () => {
          if (!blocked) {
            const sure = await ask({
              title: `Block ${name}?`,
              message: "They will not be able to message you directly, and their messages will be collapsed.",
              confirm: "Block",
              danger: true,
            });
            if (sure === null) return;
          }
          chat.actions.setBlocked(userId, !blocked).catch((e) => setError(describeError(e)));
        }}
      >
        {blocked ? "Unblock" : "Block"}
      </button>
      {error && <span class="error small" role="alert">{error}</span>}
    </>
  );
}

/** What those who moderate the room can do to a member: the server decides who outranks whom. */
function ModerateMenu({ state, room, userId, name }: { state: ChatState; room: Room; userId: string; name: string }) {
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  const act = (run: () => Promise<unknown>, done: string) =>
    run().then(
      () => setMsg({ error: false, text: done }),
      (e) => setMsg({ error: true, text: describeError(e) }),
    );
  const isModerator = (room.moderator_ids ?? []).includes(userId);
  const owns = room.owner_id === state.me.id || state.me.is_admin;
  return (
    <details class="mod-menu">
      <summary aria-label={`Moderate ${name}`}>⋯</summary>
      <div class="mod-actions">
        <button type="button" onClick={() => act(() => adminApi.kick(room.id, userId, ""), `${name} was removed.`)}>
          Kick
        </button>
        <button type="button" onClick={() => act(() => adminApi.mute(room.id, userId, 600, ""), `${name} is muted for 10 minutes.`)}>
          Mute 10 min
        </button>
        <button
          type="button"
          onClick={async () => {
            const reason = await ask({
              title: `Ban ${name}?`,
              message: `${name} leaves this room and cannot come back until the ban is lifted.`,
              confirm: "Ban",
              danger: true,
              input: { label: "Reason (optional)" },
            });
            if (reason !== null) void act(() => adminApi.ban(room.id, userId, undefined, reason), `${name} is banned.`);
          }}
        >
          Ban
        </button>
        {owns && room.owner_id !== userId && (
          <button
            type="button"
            onClick={() =>
              act(
                () => adminApi.setRoomRole(room.id, userId, isModerator ? "member" : "moderator"),
                isModerator ? `${name} is no longer a moderator.` : `${name} is a moderator.`,
              )
            }
          >
            {isModerator ? "Remove moderator" : "Make moderator"}
          </button>
        )}
      </div>
      {msg && (
        <p class={msg.error ? "error small" : "muted small"} role={msg.error ? "alert" : "status"}>
          {msg.text}
        </p>
      )}
    </details>
  );
}

function AddMember({ room }: { room: Room }) {
  const roomId = room.id;
  const [name, setName] = useState("");
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  return (
    <form
      class="add-member"
      onSubmit={async (e) => {
        e.preventDefault();
        const wanted = name.trim().toLowerCase();
        if (!wanted) return;
        try {
          const found = (await api.searchUsers(wanted)).find((u) => u.username === wanted);
          if (!found) {
            setMsg({ error: true, text: `No user named ${wanted}.` });
            return;
          }
          await api.addMember(roomId, found.id);
          const text =
            room.kind === "public"
              ? `Invited ${found.display_name}; they join if they want to.`
              : `Added ${found.display_name}.`;
          setMsg({ error: false, text });
          setName("");
        } catch (err) {
          setMsg({ error: true, text: describeError(err) });
        }
      }}
    >
      <label>
        Add someone by username
        <span class="row">
          <input value={name} maxLength={32} autocapitalize="none" onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit">Add</button>
        </span>
      </label>
      {msg && (
        <p class={msg.error ? "error" : "muted small"} role={msg.error ? "alert" : "status"}>
          {msg.text}
        </p>
      )}
    </form>
  );
}
