// The signed-in screen: sidebar (a drawer on phones), the open room, its members, and dialogs.

import { useEffect, useRef, useState } from "preact/hooks";
import { addressOf, parseAddress, type Address } from "../address";
import type { Chat } from "../chat";
import type { ChatState } from "../state";
import { sidebarRooms } from "../state";
import { BrowseRooms, CreateRoom, NewDm, Profile } from "./Dialogs";
import { Members } from "./Members";
import { jumpTo } from "./MessageList";
import { PinsPanel, SearchPanel, ThreadPanel } from "./Panels";
import { RoomView } from "./RoomView";
import { RoomSettings } from "./RoomSettings";
import { Admin } from "../admin/Admin";
import { AskHost } from "./Ask";
import { ReportQueue } from "../admin/Reports";
import { Sidebar } from "./Sidebar";
import { Switcher } from "./Switcher";

export type DialogKind = "create" | "browse" | "dm" | "profile" | "room-settings" | "switch" | null;

/** What the main column shows: the open room, the Administration area, or the report queue. */
export type View = "chat" | "admin" | "reports";

/** What the column beside the room shows. */
export type Panel = { kind: "members" } | { kind: "thread"; rootId: string } | { kind: "pins" } | { kind: "search" } | null;

export function Main({ chat, state, onSignedOut }: { chat: Chat; state: ChatState; onSignedOut: () => void }) {
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [view, setView] = useState<View>("chat");
  const [drawer, setDrawer] = useState(false);
  const [panel, setPanel] = useState<Panel>(() =>
    window.matchMedia("(min-width: 1100px)").matches ? { kind: "members" } : null,
  );
  const showMembers = panel !== null;
  const setShowMembers = (on: boolean) => setPanel(on ? { kind: "members" } : null);
  const active = state.active ? state.rooms[state.active] : undefined;
  /** Opens the room and scrolls to message `seq`, loading the history around it if need be. */
  const jump = async (roomId: string, seq: number) => {
    if (!chat.state.rooms[roomId]) return;
    const shown = chat.state.active !== roomId ? await chat.open(roomId, seq) : await chat.history.reveal(roomId, seq);
    if (shown) jumpTo(roomId, seq);
  };

  /** Opens what an address names: the room, and the message if it names one. */
  const go = (to: Address) => {
    setView("chat");
    if (to.seq === undefined) chat.open(to.roomId);
    else void jump(to.roomId, to.seq);
  };

  // The address the page was loaded at, until the user's rooms are known.
  const wanted = useRef<Address | null>(parseAddress(location.pathname));
  // Open a room at start (the address's, else general if there is one) and whenever the open
  // one goes away.
  // It reads the controller's state as it is now, not as this render saw it: a room opened since
  // (by the address, say) must not be replaced by general.
  useEffect(() => {
    const now = chat.state;
    const w = wanted.current;
    if (w) {
      if (now.rooms[w.roomId]) {
        wanted.current = null;
        go(w);
        return;
      }
      if (now.conn !== "online") return; // the list of rooms may not have come yet
      wanted.current = null;
      // The address is replaced, not kept in history: Back must not come back to it.
      history.replaceState(null, "", "/");
      chat.dispatch({ kind: "toast", text: "That link is to a room you are not in, or one that no longer exists." });
    }
    if (now.active && now.rooms[now.active]) return;
    const { channels, dms } = sidebarRooms(now);
    const first = channels.find((r) => r.name === "general") ?? channels[0] ?? dms[0];
    if (first) chat.open(first.id);
  }, [active, state.rooms, state.conn]);

  // The location bar follows the open room: a new entry for each room opened (so Back returns
  // to the one before), none while an address to this room (or a message in it) is shown.
  useEffect(() => {
    if (!active || wanted.current) return;
    const shown = parseAddress(location.pathname);
    if (shown?.roomId === active.id) return;
    if (shown) history.pushState(null, "", addressOf(active.id));
    else history.replaceState(null, "", addressOf(active.id));
  }, [active?.id]);

  // Back and Forward open the room (and message) of the address they go to.
  useEffect(() => {
    const onPop = () => {
      const to = parseAddress(location.pathname);
      if (to && chat.state.rooms[to.roomId]) go(to);
      else if (chat.state.active) history.replaceState(null, "", addressOf(chat.state.active));
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  // Ctrl+K (⌘K): the room switcher, from anywhere, even while typing a message.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // `key` is missing on the keydown some browsers send for autofill.
      if (e.key?.toLowerCase() !== "k" || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      e.preventDefault();
      if (document.querySelector("dialog[open]")) return;
      setDrawer(false);
      setDialog("switch");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || document.querySelector("dialog[open]")) return;
      if (drawer) setDrawer(false);
      else if (showMembers && window.matchMedia("(max-width: 1099px)").matches) setShowMembers(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [drawer, showMembers]);

  // The open drawer takes the focus, and what is behind it cannot be reached until it closes.
  useEffect(() => {
    const behind = document.querySelectorAll<HTMLElement>(".layout > .room, .layout > .members");
    behind.forEach((el) => (el.inert = drawer));
    if (drawer) document.querySelector<HTMLElement>(".sidebar .room-item")?.focus();
  }, [drawer]);

  return (
    <div class={`layout${drawer ? " drawer-open" : ""}${showMembers && view === "chat" ? " members-open" : ""}`} data-conn={state.conn}>
      <Sidebar
        chat={chat}
        state={state}
        onOpen={(id) => {
          chat.open(id);
          setView("chat");
          setDrawer(false);
        }}
        onDialog={(d) => {
          setDialog(d);
          setDrawer(false);
        }}
        onView={(v) => {
          setView(v);
          setDrawer(false);
        }}
      />
      <div class="scrim" hidden={!drawer} onClick={() => setDrawer(false)} />
      {view === "admin" && state.me.is_admin ? (
        <Admin state={state} onMenu={() => setDrawer(true)} onClose={() => setView("chat")} />
      ) : view === "reports" ? (
        <main class="room admin" aria-label="Reports">
          <header class="room-header">
            <button type="button" class="icon menu-button" aria-label="Open rooms" onClick={() => setDrawer(true)}>
              ☰
            </button>
            <div class="room-heading">
              <h1>Reports</h1>
            </div>
            <button type="button" onClick={() => setView("chat")}>
              Back to chat
            </button>
          </header>
          <section class="admin-body">
            <ReportQueue state={state} />
          </section>
        </main>
      ) : active ? (
        <RoomView
          key={active.id}
          chat={chat}
          state={state}
          room={active}
          onMenu={() => setDrawer(true)}
          panel={panel}
          onPanel={(p) => setPanel(p && panel?.kind === p.kind && p.kind !== "thread" ? null : p)}
          onJump={(roomId, seq) => void jump(roomId, seq)}
          onSettings={() => setDialog("room-settings")}
        />
      ) : (
        <main class="room empty">
          <button type="button" class="icon menu-button" aria-label="Open rooms" onClick={() => setDrawer(true)}>
            ☰
          </button>
          <p>You are not in any room yet. Browse public rooms or start a conversation.</p>
        </main>
      )}
      {view === "chat" && active && panel?.kind === "members" && (
        <Members chat={chat} state={state} room={active} onClose={() => setPanel(null)} />
      )}
      {view === "chat" && active && panel?.kind === "thread" && (
        <ThreadPanel key={panel.rootId} chat={chat} state={state} room={active} rootId={panel.rootId} onClose={() => setPanel(null)} />
      )}
      {view === "chat" && active && panel?.kind === "pins" && (
        <PinsPanel state={state} room={active} onJump={(r, q) => void jump(r, q)} onClose={() => setPanel(null)} />
      )}
      {view === "chat" && active && panel?.kind === "search" && (
        <SearchPanel state={state} room={active} onJump={(r, q) => void jump(r, q)} onClose={() => setPanel(null)} />
      )}
      {state.toast && (
        <div class="toast" role="status">
          <span>{state.toast}</span>
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => chat.dispatch({ kind: "dismiss-toast" })}>
            ×
          </button>
        </div>
      )}
      <AskHost />
      {dialog === "switch" && (
        <Switcher
          state={state}
          onOpen={(id) => {
            chat.open(id);
            setView("chat");
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "create" && <CreateRoom chat={chat} onClose={() => setDialog(null)} />}
      {dialog === "room-settings" && active && (
        <RoomSettings state={state} room={active} onClose={() => setDialog(null)} />
      )}
      {dialog === "browse" && <BrowseRooms chat={chat} state={state} onClose={() => setDialog(null)} />}
      {dialog === "dm" && <NewDm chat={chat} state={state} onClose={() => setDialog(null)} />}
      {dialog === "profile" && (
        <Profile chat={chat} state={state} onClose={() => setDialog(null)} onSignedOut={onSignedOut} />
      )}
    </div>
  );
}
