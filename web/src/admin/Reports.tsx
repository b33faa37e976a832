// The queue of reported messages: for admins (every room) and for a room's moderators (theirs).

import { useEffect, useState } from "preact/hooks";
import type { Report } from "../protocol";
import type { ChatState } from "../state";
import { adminApi } from "./api";
import { useAct } from "./Admin";

const ACTIONS: [string, string, number | undefined][] = [
  ["dismiss", "Dismiss", undefined],
  ["delete", "Delete message", undefined],
  ["mute", "Mute 1 h", 3600],
  ["kick", "Kick", undefined],
  ["ban", "Ban", undefined],
];

export function ReportQueue({ state }: { state: ChatState }) {
  const [reports, setReports] = useState<Report[] | null>(null);
  const [version, setVersion] = useState(0);
  const { act, line } = useAct(() => setVersion((v) => v + 1));
  // New reports arrive as frames, which bump `notices`: load again then.
  useEffect(() => {
    adminApi.reports(false).then(setReports, () => setReports([]));
  }, [version, state.notices]);
  const name = (id: string) => state.users[id]?.username ?? `#${id}`;
  const room = (id: string) => state.rooms[id]?.name ?? `room ${id}`;
  return (
    <>
      {line}
      {reports && reports.length === 0 && <p class="muted">No open reports.</p>}
      <ul class="admin-list">
        {(reports ?? []).map((r) => (
          <li key={r.id} class="admin-card" aria-label={`Report ${r.id}`}>
            <span class="admin-card-text">
              <strong>“{r.excerpt}”</strong>
              <span class="small">
                by {name(r.sender_id)} in {room(r.room_id)}, reported by {name(r.reporter_id)}
              </span>
              {r.reason && <span class="muted small">Reason: {r.reason}</span>}
            </span>
            <span class="admin-actions">
              {ACTIONS.map(([action, label, secs]) => (
                <button key={action} type="button" onClick={() => act(() => adminApi.resolve(r.id, action, secs), `Report ${r.id}: ${label.toLowerCase()}.`)}>
                  {label}
                </button>
              ))}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
