// Room settings for its owner, moderators and admins: name, topic, visibility, the room's
// rules, slow mode, archive, bans and mutes in force, and deleting the room.

import { askToDeleteRoom } from "./Ask";
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api";
import { adminApi, type Sanction } from "../admin/api";
import type { Room } from "../protocol";
import type { ChatState } from "../state";
import { Modal } from "./Dialogs";

export function RoomSettings({ state, room, onClose }: { state: ChatState; room: Room; onClose: () => void }) {
  const [name, setName] = useState(room.name);
  const [topic, setTopic] = useState(room.topic);
  const [visibility, setVisibility] = useState<"public" | "private">(room.kind === "private" ? "private" : "public");
  const [slow, setSlow] = useState(room.slow_mode_secs ?? 0);
  const [archived, setArchived] = useState(!!room.archived);
  const [topicByMembers, setTopicByMembers] = useState(room.members_can_set_topic !== false);
  const [addByMembers, setAddByMembers] = useState(!!room.members_can_add);
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  const [sanctions, setSanctions] = useState<Sanction[]>([]);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    Promise.all([adminApi.sanctions(room.id, "bans"), adminApi.sanctions(room.id, "mutes")]).then(
      ([bans, mutes]) => setSanctions([...bans, ...mutes]),
      () => setSanctions([]),
    );
  }, [room.id, version, state.notices]);
  const owns = room.owner_id === state.me.id || state.me.is_admin;
  const who = (id: string) => state.users[id]?.username ?? `#${id}`;
  const save = async () => {
    try {
      // Only what changed: each field has its own rule, and an archived room takes no topic.
      const wanted: Record<string, unknown> = {
        name,
        topic,
        visibility,
        slow_mode_secs: slow,
        archived,
        members_can_set_topic: topicByMembers,
        members_can_add: addByMembers,
      };
      const now: Record<string, unknown> = {
        name: room.name,
        topic: room.topic,
        visibility: room.kind === "private" ? "private" : "public",
        slow_mode_secs: room.slow_mode_secs ?? 0,
        archived: !!room.archived,
        members_can_set_topic: room.members_can_set_topic !== false,
        members_can_add: !!room.members_can_add,
      };
      const change = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => v !== now[k]));
      await adminApi.updateRoom(room.id, change);
      setMsg({ error: false, text: "Saved." });
    } catch (e) {
      setMsg({ error: true, text: describeError(e) });
    }
  };
  return (
    <Modal title={`Room settings: ${room.name}`} onClose={onClose}>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Name
          <input required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Topic
          <input maxLength={500} value={topic} onInput={(e) => setTopic(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Who can find it</legend>
          <label class="inline">
            <input type="radio" name="room-vis" checked={visibility === "public"} onChange={() => setVisibility("public")} /> Public
          </label>
          <label class="inline">
            <input type="radio" name="room-vis" checked={visibility === "private"} onChange={() => setVisibility("private")} /> Private
          </label>
        </fieldset>
        <label>
          Slow mode: seconds between a member's messages (0: off)
          <input type="number" min={0} max={3600} value={slow} onInput={(e) => setSlow(Number(e.currentTarget.value))} />
        </label>
        <label class="inline">
          <input type="checkbox" checked={topicByMembers} onChange={(e) => setTopicByMembers(e.currentTarget.checked)} /> Members may change the topic
        </label>
        <label class="inline">
          <input type="checkbox" checked={addByMembers} onChange={(e) => setAddByMembers(e.currentTarget.checked)} /> Members may add people (private rooms)
        </label>
        <label class="inline">
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} /> Archived: read-only and unlisted
        </label>
        {msg && (
          <p class={msg.error ? "error" : "muted small"} role={msg.error ? "alert" : "status"}>
            {msg.text}
          </p>
        )}
        <button type="submit" class="primary">
          Save room settings
        </button>
      </form>
      <h3>Bans and mutes</h3>
      {sanctions.length === 0 && <p class="muted small">Nobody is banned or muted here.</p>}
      <ul class="admin-list">
        {sanctions.map((s) => (
          <li key={`${s.kind}-${s.user_id}`} class="admin-card" aria-label={`${s.kind} ${who(s.user_id)}`}>
            <span class="admin-card-text">
              <span>
                <strong>{who(s.user_id)}</strong> <span class="tag">{s.kind === "ban" ? "banned" : "muted"}</span>
              </span>
              <span class="muted small">
                {s.until ? `until ${new Date(s.until).toLocaleString()}` : "for good"}
                {s.reason && ` · ${s.reason}`}
              </span>
            </span>
            <button
              type="button"
              onClick={() =>
                adminApi.lift(room.id, s.kind === "ban" ? "bans" : "mutes", s.user_id).then(
                  () => setVersion((v) => v + 1),
                  (e) => setMsg({ error: true, text: describeError(e) }),
                )
              }
            >
              {s.kind === "ban" ? "Lift ban" : "Unmute"}
            </button>
          </li>
        ))}
      </ul>
      {owns && (
        <div class="stack">
          <h3>Export</h3>
          <p class="muted small">Every message of this room: JSON to import elsewhere, or one HTML page, files included, that opens anywhere.</p>
          <span class="admin-actions">
            <a class="button" href={`/api/v1/rooms/${room.id}/export?format=json`} download>
              Export as JSON
            </a>
            <a class="button" href={`/api/v1/rooms/${room.id}/export?format=html`} download>
              Export as a web page
            </a>
          </span>
        </div>
      )}
      {owns && (
        <button
          type="button"
          class="danger"
          onClick={async () => {
            const typed = await askToDeleteRoom(room.name);
            if (typed === null) return;
            adminApi.deleteRoom(room.id, typed).then(onClose, (e) => setMsg({ error: true, text: describeError(e) }));
          }}
        >
          Delete room
        </button>
      )}
    </Modal>
  );
}
