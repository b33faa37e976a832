// Taking data away from the browser: one's own data as a ZIP, and a room as a web page that
// opens with no server at all.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { send, setup, shows, signUp } from "./harness";

const app = setup();

test("a person downloads their own data, and a room owner a transcript that opens offline", async () => {
  const { context, page } = await signUp(app.browser, app.server, "exporter");
  await page.getByRole("button", { name: "Create a room" }).click();
  await page.getByLabel("Name", { exact: true }).fill("keepsakes");
  await page.getByRole("button", { name: "Create room" }).click();
  await page.getByRole("heading", { name: /keepsakes/ }).waitFor();
  await send(page, "a line worth **keeping** <b>not bold</b>");
  await shows(page, "a line worth keeping <b>not bold</b>");

  await page.getByRole("button", { name: "Profile and settings" }).click();
  const [zip] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download my data" }).click(),
  ]);
  expect(zip.suggestedFilename()).toBe("natter-exporter-export.zip");
  const bytes = readFileSync((await zip.path())!);
  expect(bytes.subarray(0, 2).toString()).toBe("PK");
  await page.keyboard.press("Escape");
  await page.getByRole("dialog", { name: "Profile and settings" }).waitFor({ state: "hidden" });

  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const [transcript] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export as a web page" }).click(),
  ]);
  expect(transcript.suggestedFilename()).toMatch(/^natter-keepsakes-\d+\.html$/);
  // Opened straight from the disk, with the server out of reach: it still reads.
  // Saved under its own name, as a browser would: the .html tells the browser what it is.
  const saved = join(mkdtempSync(join(tmpdir(), "natter-transcript-")), transcript.suggestedFilename());
  await transcript.saveAs(saved);
  const file = pathToFileURL(saved).href;
  const offline = await context.newPage();
  await context.setOffline(true);
  await offline.goto(file);
  await offline.getByRole("heading", { name: "#keepsakes" }).waitFor();
  expect(await offline.locator("strong", { hasText: "keeping" }).count()).toBe(1);
  expect(await offline.locator("b").count()).toBe(1); // the sender's name, not the typed tag
  await context.close();
});
