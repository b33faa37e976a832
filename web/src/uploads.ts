// Uploading files: one XHR per file (fetch cannot report upload progress), with the bytes as
// the raw body. The server sniffs the type itself and answers with the stored attachment.

import { ApiError } from "./api";
import { decodeAttachment, type Attachment, type Id } from "./protocol";
import { decodeError } from "./rest";

export interface UploadHandle {
  done: Promise<Attachment>;
  abort: () => void;
}

/** Starts uploading `file`; `onProgress` gets the fraction sent, from 0 to 1. */
export function upload(file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Attachment>((resolve, reject) => {
    xhr.open("POST", `/api/v1/files?name=${encodeURIComponent(file.name || "pasted")}`);
    xhr.withCredentials = true;
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      try {
        const json: unknown = JSON.parse(xhr.responseText);
        if (xhr.status === 201) {
          onProgress(1);
          resolve(decodeAttachment(json));
        } else {
          const { error } = decodeError(json);
          reject(new ApiError(error.code, error.message, xhr.status));
        }
      } catch {
        reject(new ApiError("bad_response", `The server answered ${xhr.status}.`, xhr.status));
      }
    };
    xhr.onerror = () => reject(new ApiError("network", "The upload failed. Check your connection.", 0));
    xhr.onabort = () => reject(new ApiError("aborted", "Upload cancelled.", 0));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

export const fileUrl = (id: Id) => `/api/v1/files/${encodeURIComponent(id)}`;
export const thumbnailUrl = (id: Id) => `${fileUrl(id)}/thumbnail`;

/** 1536 → "1.5 KB"; binary units, as people see them in file managers. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

/** Gives pasted images, which browsers name "image.png", a name that tells them apart. */
export function nameForPaste(file: File, now = new Date()): File {
  if (file.name && file.name !== "image.png") return file;
  const ext = file.type.split("/")[1]?.replace("jpeg", "jpg") || "bin";
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new File([file], `pasted-${stamp}.${ext}`, { type: file.type });
}
