// Sign in and create account: one form, two buttons, and errors a person can act on. An invite
// link opened in the browser (`/?invite=<token>`) fills in the invite field.

import { useEffect, useState } from "preact/hooks";
import { api, describeError } from "../api";
import type { User } from "../protocol";
import type { ServerInfo } from "../rest";

/** The invite a link carried, if the page was opened from one. */
function inviteFromLink(): string {
  return new URLSearchParams(location.search).get("invite") ?? "";
}

/** The reset token a password reset link carried, if the page was opened from one. */
function resetFromLink(): string {
  return new URLSearchParams(location.search).get("reset") ?? "";
}

export function Auth({ notice, onSignedIn }: { notice?: string; onSignedIn: (u: User) => void }) {
  const [reset, setReset] = useState(resetFromLink);
  const [done, setDone] = useState<string | undefined>(undefined);
  if (reset) {
    return (
      <ResetPassword
        token={reset}
        onDone={(message) => {
          history.replaceState(null, "", "/");
          setDone(message);
          setReset("");
        }}
      />
    );
  }
  return <SignIn notice={done ?? notice} onSignedIn={onSignedIn} />;
}

/** Sets a new password with a one-time link an admin made; then back to signing in. */
function ResetPassword({ token, onDone }: { token: string; onDone: (message: string) => void }) {
  const [first, setFirst] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    setError(null);
    if (first.length < 8) return setError("Passwords must be at least 8 characters long.");
    if (first !== again) return setError("The two passwords differ.");
    setBusy(true);
    try {
      await api.resetPassword(token, first);
      onDone("Your password is changed. Sign in with it.");
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  }

  return (
    <main class="auth">
      <form
        class="auth-card"
        aria-labelledby="reset-title"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1 id="reset-title">Choose a new password</h1>
        <p class="muted">This link works once. Every device signed in to your account will be signed out.</p>
        <label>
          New password
          <input
            type="password"
            autocomplete="new-password"
            maxLength={1024}
            value={first}
            onInput={(e) => setFirst(e.currentTarget.value)}
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            autocomplete="new-password"
            maxLength={1024}
            value={again}
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="auth-actions">
          <button type="submit" class="primary" disabled={busy}>
            Set password
          </button>
          <button type="button" disabled={busy} onClick={() => onDone("")}>
            Cancel
          </button>
        </div>
      </form>
    </main>
  );
}

function SignIn({ notice, onSignedIn }: { notice?: string; onSignedIn: (u: User) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [invite, setInvite] = useState(inviteFromLink);
  const [server, setServer] = useState<ServerInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.server().then(setServer, () => setServer(null));
  }, []);
  const closed = server?.registration === "closed";
  const wantsInvite = server?.registration === "invite" || invite !== "";

  async function submit(mode: "sign-in" | "register") {
    setError(null);
    if (!username.trim() || !password) {
      setError("Enter a username and a password.");
      return;
    }
    if (mode === "register" && password.length < 8) {
      setError("Passwords must be at least 8 characters long.");
      return;
    }
    setBusy(true);
    try {
      const user =
        mode === "sign-in"
          ? await api.login(username, password)
          : await api.register(username, password, invite.trim() || undefined);
      // The invite is spent; do not leave it in the address bar.
      if (inviteFromLink()) history.replaceState(null, "", "/");
      onSignedIn(user);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  }

  return (
    <main class="auth">
      <form
        class="auth-card"
        aria-labelledby="auth-title"
        onSubmit={(e) => {
          e.preventDefault();
          void submit("sign-in");
        }}
      >
        <h1 id="auth-title">
          <img src="/favicon.svg" alt="" width={32} height={32} /> {server?.name ?? "natter"}
        </h1>
        <p class="muted">
          {closed ? "Sign in. New accounts are created by an admin." : "Sign in, or create an account on this server."}
        </p>
        {notice && <p class="notice" role="status">{notice}</p>}
        <label>
          Username
          <input
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={32}
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxLength={1024}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {wantsInvite && !closed && (
          <label>
            Invite link or code (to create an account)
            <input
              name="invite"
              autocomplete="off"
              spellcheck={false}
              maxLength={2048}
              value={invite}
              onInput={(e) => setInvite(e.currentTarget.value)}
            />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="auth-actions">
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
          {!closed && (
            <button type="button" disabled={busy} onClick={() => void submit("register")}>
              Create account
            </button>
          )}
        </div>
        {!closed && (
          <p class="muted small">
            New accounts need a password of at least 8 characters
            {server?.registration === "invite" ? " and an invite from someone on this server" : ""}.
          </p>
        )}
      </form>
    </main>
  );
}
