// Watching presence: in rooms too big for the server to announce everyone's comings and goings
// (docs/protocol.md, `watch_presence`), the client asks for the people it shows.

import type { ClientFrame, Id } from "./protocol";

/** The server refuses a `watch_presence` naming more people than this. */
export const MAX_WATCHED = 500;

export class PresenceWatch {
  private ids: Id[] = [];

  constructor(private readonly send: (frame: ClientFrame) => boolean) {}

  /** Follows these people from now on (the first MAX_WATCHED), replacing the last list. */
  set(ids: readonly Id[]) {
    const next = [...new Set(ids)].slice(0, MAX_WATCHED);
    if (next.length === this.ids.length && next.every((id, i) => id === this.ids[i])) return;
    this.ids = next;
    this.send({ type: "watch_presence", user_ids: next });
  }

  /** A new connection starts with no watch list: send it again. */
  resend() {
    if (this.ids.length > 0) this.send({ type: "watch_presence", user_ids: this.ids });
  }
}
