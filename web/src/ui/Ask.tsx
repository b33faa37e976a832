// Confirmations and questions inside the app, in place of the browser's confirm() and prompt():
// they look like the rest of natter, say what will happen on a button named for it, keep the
// focus inside (a native <dialog>; Escape cancels), and can ask for a reason or for a name typed
// to confirm something that cannot be undone.

import { useEffect, useState } from "preact/hooks";
import { Modal } from "./Dialogs";

export interface Question {
  title: string;
  message: string;
  /** The button that goes ahead, named for what it does ("Delete", "Leave"). */
  confirm: string;
  /** Shown in red: the action destroys something. */
  danger?: boolean;
  /** Asks for text too: a reason (optional unless `required`), or, with `mustEqual`, a name
   * the button waits for, typed exactly. */
  input?: { label: string; mustEqual?: string; required?: boolean; maxLength?: number };
}

type Pending = { id: number; question: Question; answer: (text: string | null) => void };

let asked = 0;
let host: ((p: Pending | null) => void) | null = null;
let waiting: Pending | null = null;

/**
 * Asks `question` and resolves with the text typed ("" when there is no input) once the user
 * goes ahead, or null if they cancel. One question at a time: asking again cancels the first.
 */
export function ask(question: Question): Promise<string | null> {
  return new Promise((resolve) => {
    waiting?.answer(null);
    waiting = { id: ++asked, question, answer: resolve };
    host?.(waiting);
  });
}

/** Where questions show; mounted once by the signed-in screen. */
export function AskHost() {
  const [pending, setPending] = useState<Pending | null>(waiting);
  useEffect(() => {
    host = setPending;
    return () => {
      host = null;
      // Signed out (or the screen went) with a question open: it is cancelled, never answered
      // later by whoever signs in next in this tab.
      waiting?.answer(null);
      waiting = null;
    };
  }, []);
  if (!pending) return null;
  const finish = (text: string | null) => {
    if (waiting === pending) waiting = null;
    setPending(null);
    pending.answer(text);
  };
  return <AskDialog key={pending.id} question={pending.question} onAnswer={finish} />;
}

function AskDialog({ question: q, onAnswer }: { question: Question; onAnswer: (text: string | null) => void }) {
  const [text, setText] = useState("");
  const input = q.input;
  const ready = !input || (input.mustEqual !== undefined ? text === input.mustEqual : !input.required || text.trim() !== "");
  return (
    <Modal title={q.title} onClose={() => onAnswer(null)}>
      <form
        class="stack ask"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) onAnswer(input ? text.trim() : "");
        }}
      >
        <p>{q.message}</p>
        {input && (
          <label>
            {input.label}
            <input autoFocus value={text} maxLength={input.maxLength ?? 500} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
        )}
        <div class="row ask-buttons">
          <button type="button" onClick={() => onAnswer(null)} autoFocus={!input}>
            Cancel
          </button>
          <button type="submit" class={q.danger ? "primary danger-fill" : "primary"} disabled={!ready}>
            {q.confirm}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Asks to delete a room for good, the button waiting for its name typed exactly; resolves with
 * the name (what the server wants as its confirmation) or null. */
export function askToDeleteRoom(name: string): Promise<string | null> {
  return ask({
    title: `Delete ${name}?`,
    message: "Every message and file in it goes, for everyone. This cannot be undone.",
    confirm: "Delete room",
    danger: true,
    input: { label: "Type the room's name to confirm", mustEqual: name },
  });
}
