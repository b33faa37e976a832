// Desktop notifications: for direct messages and mentions from people not blocked, while the
// tab is in the background, once per new message.

import type { Id, Message } from "./protocol";
import { mentionsMe, summary, type ChatState } from "./state";

/** Shows a notification for `m` if it deserves one; clicking it opens the room. */
export function notifyOf(before: ChatState, after: ChatState, m: Message, open: (roomId: Id) => void) {
  const { room_id: roomId, sender_id: senderId } = m;
  const room = after.rooms[roomId];
  if (!room || senderId === after.me.id || after.blocked[senderId]) return;
  if (room.kind !== "dm" && !mentionsMe(after, m)) return;
  if (!document.hidden) return;
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  // A copy of a message this client already had (the cursor did not move) is not news.
  if ((before.cursors[roomId] ?? 0) >= (after.cursors[roomId] ?? 0)) return;
  const sender = after.users[senderId]?.display_name ?? "New message";
  const n = new Notification(sender, { body: summary(m).slice(0, 200), tag: `natter-${roomId}` });
  n.onclick = () => {
    window.focus();
    open(roomId);
    n.close();
  };
}
