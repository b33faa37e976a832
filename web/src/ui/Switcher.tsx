// Ctrl+K (⌘K on a Mac): switch to any of your rooms or conversations by typing a few letters of
// its name, matched as the terminal client matches them (fuzzy.ts). ↑ and ↓ choose, Enter opens.

import { useState } from "preact/hooks";
import { fuzzyFilter } from "../fuzzy";
import type { Room } from "../protocol";
import { mentionCount, roomTitle, sidebarRooms, unreadCount, type ChatState } from "../state";
import { Modal } from "./Dialogs";

/** How many matches the switcher lists. */
const SHOWN = 8;

export function Switcher({ state, onOpen, onClose }: { state: ChatState; onOpen: (roomId: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [selected, setSelected] = useState(0);
  const { channels, dms } = sidebarRooms(state);
  const label = (r: Room) => `${r.kind === "dm" ? "@" : "#"}${roomTitle(state, r)}`;
  const matches = fuzzyFilter([...channels, ...dms], query, label).slice(0, SHOWN);
  const chosen = Math.min(selected, Math.max(0, matches.length - 1));
  const open = (room: Room | undefined) => {
    if (!room) return;
    onOpen(room.id);
    onClose();
    // The focus goes to the new room's message box: switching is for writing there, and a focus
    // left on the input being removed would swallow the next key (a second Ctrl+K).
    requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>(".room .composer textarea")?.focus());
  };
  return (
    <Modal title="Switch to a room" onClose={onClose}>
      {/* Not type="search": there Escape would clear the text first instead of closing. */}
      <input
        type="text"
        autoFocus
        autoComplete="off"
        aria-label="Room name"
        placeholder="Type part of a room's or a person's name"
        role="combobox"
        aria-expanded="true"
        aria-controls="switcher-list"
        aria-activedescendant={matches[chosen] ? `switch-${matches[chosen].id}` : undefined}
        value={query}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setSelected(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setSelected(Math.min(chosen + 1, matches.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setSelected(Math.max(chosen - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            open(matches[chosen]);
          }
        }}
      />
      <ul id="switcher-list" class="switcher-list" role="listbox" aria-label="Matching rooms">
        {matches.map((room, i) => {
          const unread = unreadCount(state, room.id);
          const mentions = mentionCount(state, room.id);
          return (
            <li
              key={room.id}
              id={`switch-${room.id}`}
              role="option"
              aria-selected={i === chosen}
              class={i === chosen ? "selected" : ""}
              onClick={() => open(room)}
              onMouseMove={() => setSelected(i)}
            >
              <span class="room-name">{label(room)}</span>
              {mentions > 0 && <span class="badge mention-badge">@{mentions}</span>}
              {unread > 0 && <span class="badge">{unread > 99 ? "99+" : unread}</span>}
            </li>
          );
        })}
      </ul>
      {matches.length === 0 && <p class="muted">No room or conversation matches.</p>}
      <p class="muted small">↑ ↓ to choose, Enter to open, Esc to close.</p>
    </Modal>
  );
}
