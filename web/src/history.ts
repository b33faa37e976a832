// Loading a room's history into its window (window.ts): the newest page, the pages before and
// after the window as the user scrolls, and the messages around one the user jumps to.

import { api } from "./api";
import type { Id } from "./protocol";
import type { Action, ChatState } from "./state";
import { behind } from "./window";

/** What the loader needs of the controller: the state, and a way to change it. */
interface Host {
  readonly state: ChatState;
  dispatch(a: Action): void;
}

/** Messages shown before the one jumped to (the rest of the page comes after it). */
const CONTEXT_BEFORE = 30;
const PAGE = 50;
/** A page not answered in this long is given up (and asked again when needed). */
const TIMEOUT_MS = 20_000;
/** After a failed request, the same one waits this long before it is tried again. */
const RETRY_AFTER_MS = 2_000;

export class HistoryLoader {
  /** Requests in flight, per room and direction: one of each at a time. */
  private busy = new Set<string>();
  /** When each request last failed. */
  private failedAt = new Map<string, number>();
  /** Per room, bumped by every jump: a newest page or a jump asked for before the latest jump
   * must not replace the window that jump brought. */
  private jumps = new Map<Id, number>();

  constructor(private readonly host: Host) {}

  private async once(key: string, load: () => Promise<boolean>): Promise<boolean> {
    if (this.busy.has(key)) return false;
    // After a failure, wait a little before the next try: the log asks on every render.
    if (Date.now() - (this.failedAt.get(key) ?? 0) < RETRY_AFTER_MS) return false;
    this.busy.add(key);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // An answer that never comes must not keep the room from loading for good; a late one
      // is still applied (or dropped) by the window's rules.
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error("no answer")), TIMEOUT_MS);
      });
      return await Promise.race([load(), timeout]);
    } catch (e) {
      this.failedAt.set(key, Date.now());
      console.warn("natter: loading history failed", e);
      return false;
    } finally {
      clearTimeout(timer);
      this.busy.delete(key);
    }
  }

  /** Whether a page of the room's history is on its way. */
  loading(roomId: Id): boolean {
    return [...this.busy].some((key) => key.startsWith(`${roomId}:`));
  }

  /** The room's newest page: joins the window, or replaces it if it is further back. */
  newest(roomId: Id): Promise<boolean> {
    const jump = this.jumps.get(roomId) ?? 0;
    return this.once(`${roomId}:newest`, async () => {
      const page = await api.history(roomId);
      if ((this.jumps.get(roomId) ?? 0) !== jump) return false;
      this.host.dispatch({ kind: "history", roomId, messages: page.messages, hasMore: page.has_more, page: { kind: "newest" } });
      return true;
    });
  }

  /** The page before the window's first message; resolves whether it brought any. */
  older(roomId: Id): Promise<boolean> {
    const t = this.host.state.timelines[roomId];
    const first = t?.messages[0]?.seq;
    if (!t?.loaded || !t.hasMore || first === undefined) return Promise.resolve(false);
    return this.once(`${roomId}:older`, async () => {
      const page = await api.history(roomId, { before: first });
      this.host.dispatch({ kind: "history", roomId, messages: page.messages, hasMore: page.has_more, page: { kind: "older", before: first } });
      return page.messages.length > 0;
    });
  }

  /** The page after the window's last message, when the window is further back than the newest. */
  newer(roomId: Id): Promise<boolean> {
    const t = this.host.state.timelines[roomId];
    const last = t?.messages[t.messages.length - 1]?.seq;
    if (last === undefined || !behind(t, this.host.state.cursors[roomId] ?? 0)) return Promise.resolve(false);
    return this.once(`${roomId}:newer`, async () => {
      const page = await api.history(roomId, { after: last });
      this.host.dispatch({ kind: "history", roomId, messages: page.messages, hasMore: true, page: { kind: "newer", after: last } });
      return page.messages.length > 0;
    });
  }

  /** Replaces the window with the messages around `seq`: a few before it, a page after. */
  around(roomId: Id, seq: number): Promise<boolean> {
    const jump = (this.jumps.get(roomId) ?? 0) + 1;
    this.jumps.set(roomId, jump);
    return this.once(`${roomId}:around:${seq}`, async () => {
      const [before, after] = await Promise.all([
        api.history(roomId, { before: seq + 1 }, CONTEXT_BEFORE),
        api.history(roomId, { after: seq }, PAGE),
      ]);
      if (this.jumps.get(roomId) !== jump) return false;
      const messages = [...before.messages, ...after.messages.filter((m) => m.seq > seq)];
      this.host.dispatch({ kind: "history", roomId, messages, hasMore: before.has_more, page: { kind: "around" } });
      return true;
    });
  }

  /** Makes sure message `seq` of the room is in its window (for a link, a reply's quote or a
   * search result); resolves whether it is. */
  async reveal(roomId: Id, seq: number): Promise<boolean> {
    const has = () => this.host.state.timelines[roomId]?.messages.some((m) => m.seq === seq) ?? false;
    if (has()) return true;
    const t = this.host.state.timelines[roomId];
    const first = t?.messages[0]?.seq;
    // Just before the window: a page back keeps what is here; further, jump.
    if (t?.loaded && first !== undefined && seq < first && first - seq <= PAGE) await this.older(roomId);
    if (!has()) await this.around(roomId, seq);
    return has();
  }
}
