// The top of the UI: finds out whether the browser is signed in, then shows the sign-in screen
// or the chat, and keeps the tab title's unread count.

import { useEffect, useMemo, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { Chat } from "../chat";
import type { User } from "../protocol";
import { totalUnread, type ChatState } from "../state";
import { Auth } from "./Auth";
import { Main } from "./Main";

type Phase = { kind: "loading" } | { kind: "signed-out"; notice?: string } | { kind: "chat"; user: User };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  useEffect(() => {
    api.me().then(
      (user) => setPhase({ kind: "chat", user }),
      (e) => setPhase({ kind: "signed-out", notice: e instanceof ApiError && e.status === 401 ? undefined : describe(e) }),
    );
  }, []);
  switch (phase.kind) {
    case "loading":
      return <div class="splash" role="status">Loading natter…</div>;
    case "signed-out":
      return <Auth notice={phase.notice} onSignedIn={(user) => setPhase({ kind: "chat", user })} />;
    case "chat":
      return (
        <ChatScreen
          key={phase.user.id}
          user={phase.user}
          onSignedOut={(notice) => {
            // The next person to sign in here starts at /, not at this one's last room.
            history.replaceState(null, "", "/");
            setPhase({ kind: "signed-out", notice });
          }}
        />
      );
  }
}

function describe(e: unknown): string {
  return e instanceof ApiError ? e.message : "Cannot reach the server.";
}

function ChatScreen({ user, onSignedOut }: { user: User; onSignedOut: (notice?: string) => void }) {
  const chat = useMemo(() => new Chat(user, () => onSignedOut("Your session ended. Please sign in again.")), [user.id]);
  const state = useChatState(chat);
  useEffect(() => {
    chat.start();
    return () => chat.stop();
  }, [chat]);
  const unread = totalUnread(state);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) natter` : "natter";
  }, [unread]);
  return <Main chat={chat} state={state} onSignedOut={() => onSignedOut()} />;
}

/** Re-renders on every change the controller announces, including clock ticks. */
function useChatState(chat: Chat): ChatState {
  const [, setVersion] = useState(0);
  useEffect(() => chat.subscribe(() => setVersion((v) => v + 1)), [chat]);
  return chat.state;
}
