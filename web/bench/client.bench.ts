// The web client under a busy team's load, measured in real Chromium against the real server
// (issue 15): a room of 100,000 messages among 300 rooms, another user posting 20 messages a
// second into it, and the reader opening it, sending, typing, and scrolling far back.
//
//   cargo build --release -p natter
//   cd web && NATTER_BIN=../target/release/natter npm run bench
//
// BENCH_MESSAGES, BENCH_ROOMS and BENCH_RATE change the load. It prints a table (and the same
// as JSON) and asserts nothing: timings belong in BENCHMARKS.md, not in a test that flakes.

import type { Page } from "playwright-core";
import { test } from "vitest";
import { composer, connected, desktop, launch, log, nav, Server } from "../e2e/harness";

/** BENCH_QUICK=1: a small run that only shows the benchmark still works (scripts/test). */
const QUICK = process.env.BENCH_QUICK === "1";
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (QUICK ? 2000 : 100_000));
const ROOMS = Number(process.env.BENCH_ROOMS ?? (QUICK ? 30 : 300));
const RATE = Number(process.env.BENCH_RATE ?? 20);
/** How far back the reader scrolls before typing again (the issue's report: 1,550). */
const BACK = QUICK ? 300 : 1550;
const RELOADS = QUICK ? 1 : 5;
const SENDS = QUICK ? 5 : 30;
const KEYS = QUICK ? 40 : 200;

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Clicks the room in the sidebar and resolves how long until the frame that shows its newest
 * messages (the log holds messages and nothing is loading). */
async function openRoom(page: Page, name: string): Promise<number> {
  const button = await nav(page).getByRole("button", { name: new RegExp(`^${name}\\b`) }).elementHandle();
  return page.evaluate(async ([btn, name]) => {
    const t0 = performance.now();
    (btn as HTMLElement).click();
    for (;;) {
      await new Promise((ok) => requestAnimationFrame(ok));
      const main = document.querySelector("main.room");
      const logEl = main?.querySelector("[role=log]");
      const shown = logEl && !logEl.textContent!.includes("Loading…") && (logEl.querySelector("article") || logEl.textContent!.includes("beginning of the room"));
      if (main?.getAttribute("aria-label") === name && shown) break;
      if (performance.now() - t0 > 30_000) {
        console.error("open timed out:", main?.getAttribute("aria-label"), logEl?.querySelectorAll("article").length, logEl?.textContent?.slice(0, 200));
        return Number.NaN;
      }
    }
    return performance.now() - t0;
  }, [button, name] as const);
}

/** Sends `text` with Enter; resolves the times from the keypress until it shows pending, and
 * until it shows as sent (stored and acknowledged). */
async function sendTimed(page: Page, text: string): Promise<{ pending: number; sent: number }> {
  await composer(page).fill(text);
  await page.evaluate((text) => {
    const w = window as unknown as { __sent: Promise<{ pending: number; sent: number }> };
    w.__sent = new Promise((done) => {
      let t0 = 0;
      let pending = 0;
      const onKey = (e: KeyboardEvent) => {
        if (e.key !== "Enter") return;
        t0 = performance.now();
        window.removeEventListener("keydown", onKey, true);
      };
      window.addEventListener("keydown", onKey, true);
      const logEl = document.querySelector("[role=log]")!;
      const seen = new MutationObserver(() => {
        if (!t0) return;
        const rows = [...logEl.querySelectorAll("article.msg")].filter((a) => a.textContent!.includes(text));
        if (!pending && rows.length > 0) pending = performance.now() - t0;
        if (rows.some((a) => !a.classList.contains("pending"))) {
          seen.disconnect();
          done({ pending, sent: performance.now() - t0 });
        }
      });
      seen.observe(logEl, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
    });
  }, text);
  await composer(page).press("Enter");
  return page.evaluate(() => (window as unknown as { __sent: Promise<{ pending: number; sent: number }> }).__sent);
}

/** Types `count` characters one by one and resolves, per keystroke, the time from the key
 * event to the end of the frame that shows it (handlers, rendering, style and layout). */
async function typeTimed(page: Page, count: number): Promise<number[]> {
  await composer(page).focus();
  await page.evaluate(() => {
    const w = window as unknown as { __keys: number[] };
    w.__keys = [];
    window.addEventListener(
      "keydown",
      (e) => {
        requestAnimationFrame(() => {
          void document.body.offsetHeight; // the layout of this frame, as the paint needs it
          w.__keys.push(performance.now() - e.timeStamp);
        });
      },
      true,
    );
  });
  const text = "the quick brown fox jumps over the lazy dog ".repeat(Math.ceil(count / 44)).slice(0, count);
  await page.keyboard.type(text, { delay: 40 });
  const samples = await page.evaluate(() => (window as unknown as { __keys: number[] }).__keys);
  await composer(page).fill("");
  return samples;
}

/** Nodes in the whole page, in the message log, and messages in the page. */
function nodes(page: Page) {
  return page.evaluate(() => {
    const logEl = document.querySelector("[role=log]")!;
    return {
      page: document.querySelectorAll("*").length,
      log: logEl.querySelectorAll("*").length,
      messages: logEl.querySelectorAll("article").length,
    };
  });
}

function heapMb(page: Page) {
  return page.evaluate(() => {
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return memory ? memory.usedJSHeapSize / 2 ** 20 : Number.NaN;
  });
}

test("the web client in a busy room", async () => {
  const server = await Server.start({}, ["all=off"]);
  const browser = await launch(["--enable-precise-memory-info", "--js-flags=--expose-gc"]);
  const rows: [string, string][] = [];
  const report = (what: string, value: string) => {
    rows.push([what, value]);
    process.stderr.write(`${what}: ${value}\n`);
  };
  let bot: ReturnType<typeof setInterval> | undefined;
  try {
    const reader = await server.register("reader"); // the first account: an admin, who may import
    const poster = await server.register("poster");
    let t = Date.now();
    const words = "with a few more words to make it as long as people usually write";
    const busy = await server.importRoom(
      reader,
      "busy",
      Array.from({ length: MESSAGES }, (_, i) => `message ${i + 1} of the backlog, ${words}`),
    );
    await server.api(poster, "POST", `/rooms/${busy.id}/join`);
    for (let i = 1; i < ROOMS; i++) {
      const room = await server.api(reader, "POST", "/rooms", { name: `room-${i}`, visibility: "public" });
      if (i % 10 === 0) await server.api(poster, "POST", `/rooms/${room.id}/join`);
    }
    report("seeded", `${MESSAGES} messages in one room, ${ROOMS} rooms, in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const context = await browser.newContext(desktop);
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(server.url);
    await page.getByLabel("Username").fill("reader");
    await page.getByLabel("Password").fill("correct horse");
    await page.getByRole("button", { name: "Sign in" }).click();
    await composer(page).waitFor();
    await connected(page);

    // The other user posts RATE messages a second into the busy room from here on.
    let posted = 0;
    bot = setInterval(() => {
      posted++;
      void server.api(poster, "POST", `/rooms/${busy.id}/messages`, { body: `live update ${posted} from the build bot` }).catch(() => undefined);
    }, 1000 / RATE);

    // Opening the room: cold (after a page load, nothing of it loaded) and warm (back from
    // another room, its newest messages kept).
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      await page.reload();
      await composer(page).waitFor();
      await connected(page);
      await openRoom(page, "room-1");
      cold.push(await openRoom(page, "busy"));
      for (let j = 0; j < 4; j++) {
        await openRoom(page, "room-1");
        warm.push(await openRoom(page, "busy"));
      }
    }
    if (![...cold, ...warm].every(Number.isFinite)) throw new Error("the room did not open within 30 s");
    report("open the room, cold (p50 / p95)", `${ms(quantile(cold, 0.5))} / ${ms(quantile(cold, 0.95))}`);
    report("open the room, warm (p50 / p95)", `${ms(quantile(warm, 0.5))} / ${ms(quantile(warm, 0.95))}`);

    // The main thread's work while the other user posts and the reader just watches.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = async () =>
      Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value])) as Record<string, number>;
    const m0 = await metrics();
    const posted0 = posted;
    await page.waitForTimeout(QUICK ? 2000 : 10_000);
    const m1 = await metrics();
    const per = (name: string) => ((m1[name] - m0[name]) * 1000) / (posted - posted0);
    report(
      "main thread per message received (script / style / layout / all tasks)",
      `${ms(per("ScriptDuration"))} / ${ms(per("RecalcStyleDuration"))} / ${ms(per("LayoutDuration"))} / ${ms(per("TaskDuration"))}`,
    );

    // Sending: shown pending at once, then as sent once stored.
    const pending: number[] = [];
    const sent: number[] = [];
    for (let i = 0; i < SENDS; i++) {
      const s = await sendTimed(page, `my reply number ${i} in the busy room`);
      pending.push(s.pending);
      sent.push(s.sent);
      await page.waitForTimeout(100);
    }
    report("sent to shown pending (p50 / p95)", `${ms(quantile(pending, 0.5))} / ${ms(quantile(pending, 0.95))}`);
    report("sent to shown as sent (p50 / p95)", `${ms(quantile(sent, 0.5))} / ${ms(quantile(sent, 0.95))}`);

    const atEnd = await typeTimed(page, KEYS);
    report("keystroke at the newest (p50 / p95 / max)", `${ms(quantile(atEnd, 0.5))} / ${ms(quantile(atEnd, 0.95))} / ${ms(Math.max(...atEnd))}`);
    const n1 = await nodes(page);
    report("nodes at the newest (page / log / messages)", `${n1.page} / ${n1.log} / ${n1.messages}`);

    // Scroll back BACK messages, as a reader catching up would, then type again.
    t = Date.now();
    const newest = await log(page).evaluate((el) => Number([...el.querySelectorAll<HTMLElement>("article[data-seq]")].pop()!.dataset.seq));
    let reached = false;
    for (let i = 0; i < 400 && !reached; i++) {
      const first = await log(page).evaluate(async (el) => {
        el.scrollTop = 0;
        await new Promise((ok) => setTimeout(ok, 50));
        return Number(el.querySelector<HTMLElement>("article[data-seq]")!.dataset.seq);
      });
      reached = first <= newest - BACK;
      if (process.env.BENCH_DEBUG && i % 10 === 0) {
        const info = await page.evaluate(() => ({
          heap: ((performance as any).memory?.usedJSHeapSize ?? 0) / 2 ** 20,
          nodes: document.querySelectorAll("*").length,
          st: document.querySelector("[role=log]")!.scrollTop,
          sh: document.querySelector("[role=log]")!.scrollHeight,
        }));
        process.stderr.write(`back ${i}: first=${first} newest=${newest} ${JSON.stringify(info)}\n`);
      }
    }
    if (!reached) throw new Error(`could not scroll back ${BACK} messages`);
    report(`scrolled back ${BACK} messages`, `in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const back = await typeTimed(page, KEYS);
    report(`keystroke ${BACK} back (p50 / p95 / max)`, `${ms(quantile(back, 0.5))} / ${ms(quantile(back, 0.95))} / ${ms(Math.max(...back))}`);
    const n2 = await nodes(page);
    report(`nodes ${BACK} back (page / log / messages)`, `${n2.page} / ${n2.log} / ${n2.messages}`);

    await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
    report("JS heap after the run", `${(await heapMb(page)).toFixed(1)} MiB`);
    report("messages posted by the other user meanwhile", String(posted));
    await context.close();
  } finally {
    clearInterval(bot);
    await browser.close();
    await server.dispose();
  }
  console.log(`\n| measure | value |\n|---|---|\n${rows.map(([a, b]) => `| ${a} | ${b} |`).join("\n")}`);
  console.log(JSON.stringify(Object.fromEntries(rows)));
});
