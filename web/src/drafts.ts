// Unsent text per room, kept in this browser (localStorage), so a reload, a closed tab or a
// crash loses nothing the user typed. Bounded: the 50 most recently changed rooms, each draft
// cut at 20,000 characters.

import type { Id } from "./protocol";
import { load, save } from "./storage";

export const MAX_DRAFTS = 50;
export const MAX_DRAFT_CHARS = 20_000;

type Kept = Record<Id, { text: string; at: number }>;

export class Drafts {
  private kept: Kept;

  constructor(
    private readonly key: string,
    private readonly store: Storage,
  ) {
    this.kept = load<Kept>(store, key, {});
  }

  get(roomId: Id): string {
    this.kept = load<Kept>(this.store, this.key, {});
    return this.kept[roomId]?.text ?? "";
  }

  /** Keeps `text` for `roomId` (an empty one forgets it), at the time `now`. What is stored is
   * read again first, so two tabs of the same person each change only their own room's draft,
   * and drafts dropped by a sign-out in another tab are not written back. */
  set(roomId: Id, text: string, now = Date.now()) {
    this.kept = load<Kept>(this.store, this.key, {});
    if (text === "") {
      if (!(roomId in this.kept)) return;
      delete this.kept[roomId];
    } else {
      this.kept[roomId] = { text: text.slice(0, MAX_DRAFT_CHARS), at: now };
      const rooms = Object.keys(this.kept);
      if (rooms.length > MAX_DRAFTS) {
        rooms.sort((a, b) => this.kept[a].at - this.kept[b].at);
        for (const old of rooms.slice(0, rooms.length - MAX_DRAFTS)) delete this.kept[old];
      }
    }
    save(this.store, this.key, this.kept);
  }
}
