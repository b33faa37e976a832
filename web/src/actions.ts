// Changes to single messages, and blocks, made over REST. The server answers with the message as
// it is now and sends the same to every member as `message_updated`; applying either first is the
// same, so each answer goes straight into the state.

import { api } from "./api";
import type { Id, Message, Room } from "./protocol";
import type { Action, ChatState } from "./state";

/** What the actions need of the controller: the state, and a way to change it. */
interface Host {
  readonly state: ChatState;
  dispatch(a: Action): void;
}

export class MessageActions {
  constructor(private readonly host: Host) {}

  private async change(request: Promise<Message>) {
    this.host.dispatch({ kind: "updated", message: await request });
  }

  edit(id: Id, body: string) {
    return this.change(api.editMessage(id, body));
  }

  remove(id: Id) {
    return this.change(api.deleteMessage(id));
  }

  /** Adds the reaction, or removes it if the user already reacted with it. */
  toggleReaction(m: Message, emoji: string) {
    const me = this.host.state.me.id;
    const mine = m.reactions?.some((r) => r.emoji === emoji && r.user_ids.includes(me));
    return this.change(mine ? api.unreact(m.id, emoji) : api.react(m.id, emoji));
  }

  setPinned(id: Id, pinned: boolean) {
    return this.change(pinned ? api.pin(id) : api.unpin(id));
  }

  /** Whether the user may delete others' messages and pin in the room. */
  moderates(room: Room): boolean {
    const me = this.host.state.me;
    return (
      room.kind === "dm" ||
      room.owner_id === me.id ||
      (room.moderator_ids ?? []).includes(me.id) ||
      me.is_admin
    );
  }

  async setBlocked(userId: Id, blocked: boolean) {
    await (blocked ? api.block(userId) : api.unblock(userId));
    this.host.dispatch({ kind: "frame", frame: { type: "blocked", user_id: userId, blocked }, now: Date.now() });
  }
}
