// Files in messages (image previews, download links with name and size) and the composer's
// uploads in progress.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, describeError } from "../api";
import { isFinal, type Attachment } from "../protocol";
import { fileUrl, formatSize, thumbnailUrl, upload, type UploadHandle } from "../uploads";

const THUMB_EDGE = 320;

/** The size an image's thumbnail is shown at, so the list does not jump when it loads. */
function thumbSize(a: Attachment): { width: number; height: number } {
  const { width, height } = a.image ?? { width: THUMB_EDGE, height: THUMB_EDGE };
  const scale = Math.min(1, THUMB_EDGE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export function AttachmentList({ attachments }: { attachments: Attachment[] }) {
  if (attachments.length === 0) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {attachments.map((a) => (
        <li key={a.id}>
          {a.image ? (
            <figure class="image-attachment">
              <a href={fileUrl(a.id)} target="_blank" rel="noopener" title={`Open ${a.name}`}>
                <img src={thumbnailUrl(a.id)} alt={a.name} loading="lazy" {...thumbSize(a)} />
              </a>
              <figcaption>
                <a href={fileUrl(a.id)} download={a.name}>
                  {a.name}
                </a>{" "}
                <span class="muted small">{formatSize(a.size)}</span>
              </figcaption>
            </figure>
          ) : (
            <a class="file-card" href={fileUrl(a.id)} download={a.name}>
              <FileIcon />
              <span class="file-name">{a.name}</span>
              <span class="muted small">{formatSize(a.size)}</span>
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

/** One file being uploaded from the composer. */
export interface Upload {
  key: number;
  file: File;
  progress: number;
  attachment?: Attachment;
  error?: string;
  /** Refused for good (too large, empty, …): offered for removal, not for another try. */
  final?: boolean;
  handle?: UploadHandle;
}

export interface Uploads {
  list: Upload[];
  /** Starts uploading each file. */
  add: (files: Iterable<File>) => void;
  remove: (key: number) => void;
  retry: (key: number) => void;
  /** Whether any file is still on its way. */
  busy: boolean;
  /** The uploaded files, in the order they were added. */
  ready: Attachment[];
  /** Forgets the list after its files were sent. */
  sent: () => void;
}

let nextKey = 1;

/** The composer's uploads. Files left unsent when the room closes are discarded on the server. */
export function useUploads(): Uploads {
  const [list, setList] = useState<Upload[]>([]);
  const current = useRef(list);
  current.current = list;
  const patch = (key: number, change: Partial<Upload>) =>
    setList((l) => l.map((u) => (u.key === key ? { ...u, ...change } : u)));
  const start = (key: number, file: File) => {
    const handle = upload(file, (progress) => patch(key, { progress }));
    handle.done.then(
      (attachment) => patch(key, { attachment, progress: 1, handle: undefined }),
      (e: unknown) =>
        patch(key, { error: describeError(e), final: e instanceof ApiError && isFinal(e.code), handle: undefined }),
    );
    return handle;
  };
  useEffect(
    () => () => {
      for (const u of current.current) {
        u.handle?.abort();
        if (u.attachment) void api.discardUpload(u.attachment.id).catch(() => undefined);
      }
    },
    [],
  );
  return {
    list,
    add: (files) => {
      const added = [...files].map((file) => {
        const key = nextKey++;
        return { key, file, progress: 0, handle: start(key, file) };
      });
      if (added.length) setList((l) => [...l, ...added]);
    },
    remove: (key) => {
      const u = current.current.find((x) => x.key === key);
      u?.handle?.abort();
      if (u?.attachment) void api.discardUpload(u.attachment.id).catch(() => undefined);
      setList((l) => l.filter((x) => x.key !== key));
    },
    retry: (key) => {
      const u = current.current.find((x) => x.key === key);
      if (u) patch(key, { error: undefined, progress: 0, handle: start(key, u.file) });
    },
    busy: list.some((u) => !u.attachment && !u.error),
    ready: list.flatMap((u) => (u.attachment ? [u.attachment] : [])),
    sent: () => {
      // Cleared at once, not at the next render: a room closed in between must not discard
      // files that are now on their way in a message.
      current.current = [];
      setList([]);
    },
  };
}

export function UploadTray({ uploads }: { uploads: Uploads }) {
  if (uploads.list.length === 0) return null;
  return (
    <ul class="upload-tray" aria-label="Files to send">
      {uploads.list.map((u) => (
        <li key={u.key} class={u.error ? "failed" : u.attachment ? "done" : "uploading"}>
          <span class="file-name">{u.file.name}</span>
          <span class="muted small">{formatSize(u.file.size)}</span>
          {u.error ? (
            <>
              <span class="error small" role="alert">
                {u.error}
              </span>
              {!u.final && (
                <button type="button" class="link" onClick={() => uploads.retry(u.key)}>
                  Retry
                </button>
              )}
            </>
          ) : (
            <progress
              max={1}
              value={u.progress}
              aria-label={`Uploading ${u.file.name}`}
              aria-valuetext={`${Math.round(u.progress * 100)}%`}
            />
          )}
          <button type="button" class="icon" aria-label={`Remove ${u.file.name}`} onClick={() => uploads.remove(u.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/** A page with a folded corner; drawn, so it shows the same without an emoji font. */
function FileIcon() {
  return (
    <svg class="file-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
      <path d="M6 2h8l5 5v15H6z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
      <path d="M14 2v5h5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
    </svg>
  );
}

/** A paperclip, for the composer's attach button. */
export function PaperclipIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <path
        d="M20 11.5l-7.8 7.8a5 5 0 01-7.1-7.1l8.5-8.5a3.3 3.3 0 014.7 4.7l-8.5 8.5a1.7 1.7 0 01-2.4-2.4l7.8-7.8"
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}
