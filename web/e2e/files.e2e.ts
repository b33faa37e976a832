// Files end to end: upload by button, drag and drop and paste with a progress bar, image
// previews and download links in the other browser, limits, and removing an upload.

import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { composer, message, screenshotPath, setup, shows, signUp } from "./harness";

const app = setup({ NATTER_MAX_FILE_MB: "1" });

/** A PNG drawn in the page, as bytes. */
async function png(page: Page, width: number, height: number): Promise<Buffer> {
  const url = await page.evaluate(
    ([w, h]) => {
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const g = canvas.getContext("2d")!;
      g.fillStyle = "#e8743b";
      g.fillRect(0, 0, w, h);
      g.fillStyle = "#2a6fdb";
      g.fillRect(w / 4, h / 4, w / 2, h / 2);
      return canvas.toDataURL("image/png");
    },
    [width, height],
  );
  return Buffer.from(url.split(",")[1], "base64");
}

function tray(page: Page) {
  return page.getByRole("list", { name: "Files to send" });
}

/** Waits until every file in the tray has finished uploading. */
async function uploaded(page: Page, count: number) {
  await page.waitForFunction(
    (n) => document.querySelectorAll(".upload-tray li.done").length === n,
    count,
  );
}

/** Fires a real drop (or paste) of `files` made in the page, as a person would. */
async function dropFiles(page: Page, how: "drop" | "paste", files: { name: string; text?: string; png?: string }[]) {
  await page.evaluate(
    async ([how, files]) => {
      const dt = new DataTransfer();
      for (const f of files) {
        const bytes = f.png ? Uint8Array.from(atob(f.png), (c) => c.charCodeAt(0)) : new TextEncoder().encode(f.text);
        dt.items.add(new File([bytes], f.name, { type: f.png ? "image/png" : "text/plain" }));
      }
      if (how === "drop") {
        const room = document.querySelector("main.room")!;
        room.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        room.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      } else {
        const box = document.querySelector(".room .composer textarea")!;
        box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
      }
    },
    [how, files] as const,
  );
}

describe("files", () => {
  test("files go up by button, drag and drop and paste, and the other browser sees previews and downloads", async () => {
    const alice = await signUp(app.browser, app.server, "alice");
    const bob = await signUp(app.browser, app.server, "bob");
    const picture = await png(alice.page, 800, 600);

    // By button: two files at once, each with its own progress bar.
    await alice.page.getByLabel("Attach files").setInputFiles([
      { name: "sunset.png", mimeType: "image/png", buffer: picture },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello notes") },
    ]);
    await tray(alice.page).getByRole("progressbar").first().waitFor();
    await uploaded(alice.page, 2);
    expect(await alice.page.getByLabel("Uploading sunset.png").evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
    await composer(alice.page).fill("holiday pics");
    await composer(alice.page).press("Enter");
    await tray(alice.page).waitFor({ state: "detached" });

    await shows(bob.page, "holiday pics");
    const sent = message(bob.page, "holiday pics");
    const preview = sent.getByRole("img", { name: "sunset.png" });
    await preview.waitFor();
    await bob.page.waitForFunction((img) => (img as HTMLImageElement).naturalWidth > 0, await preview.elementHandle());
    expect(await preview.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(320);
    await sent.getByText("notes.txt").waitFor();
    await sent.getByText("11 B").waitFor();
    const card = sent.locator("a.file-card");
    expect(await card.getAttribute("download")).toBe("notes.txt");
    const [status, disposition, body] = await bob.page.evaluate(async (href) => {
      const r = await fetch(href);
      return [r.status, r.headers.get("content-disposition"), await r.text()];
    }, (await card.getAttribute("href"))!);
    expect(status).toBe(200);
    expect(disposition).toMatch(/^attachment; filename="notes.txt"/);
    expect(body).toBe("hello notes");

    // By drag and drop, sent without any text.
    await dropFiles(alice.page, "drop", [{ name: "dropped.txt", text: "dropped in" }]);
    await uploaded(alice.page, 1);
    await alice.page.getByRole("button", { name: "Send" }).click();
    await message(bob.page, "dropped.txt").locator("a.file-card").waitFor();

    // By pasting a screenshot, which browsers call "image.png".
    const small = (await png(alice.page, 40, 30)).toString("base64");
    await dropFiles(alice.page, "paste", [{ name: "image.png", png: small }]);
    await uploaded(alice.page, 1);
    await composer(alice.page).fill("pasted this");
    await composer(alice.page).press("Enter");
    const pasted = message(bob.page, "pasted this").getByRole("img", { name: /^pasted-.*\.png$/ });
    await pasted.waitFor();
    await bob.page.waitForFunction((img) => (img as HTMLImageElement).naturalWidth === 40, await pasted.elementHandle());
    await bob.page.screenshot({ path: screenshotPath("files-desktop.png") });
  });

  test("a file over the limit is refused with a clear message, and a removed upload is discarded", async () => {
    const carol = await signUp(app.browser, app.server, "carol");
    await carol.page.getByLabel("Attach files").setInputFiles([
      { name: "huge.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(1024 * 1024 + 1, 7) },
    ]);
    const refusal = tray(carol.page).getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe("That file is too large: files can be at most 1 MiB.");
    // Sent again it would be refused again: no Retry, only removal.
    expect(await tray(carol.page).getByRole("button", { name: "Retry" }).count()).toBe(0);
    expect(await carol.page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await carol.page.getByRole("button", { name: "Remove huge.bin" }).click();

    await carol.page.getByLabel("Attach files").setInputFiles([
      { name: "draft.txt", mimeType: "text/plain", buffer: Buffer.from("never sent") },
    ]);
    await uploaded(carol.page, 1);
    const usage = () => carol.page.evaluate(async () => (await (await fetch("/api/v1/files/usage")).json()).used_bytes);
    expect(await usage()).toBe(10);
    await carol.page.getByRole("button", { name: "Remove draft.txt" }).click();
    await tray(carol.page).waitFor({ state: "detached" });
    for (let i = 0; i < 50 && (await usage()) !== 0; i++) await carol.page.waitForTimeout(100);
    expect(await usage()).toBe(0);
  });
});
