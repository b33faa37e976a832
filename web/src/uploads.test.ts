import { describe, expect, test } from "vitest";
import { summary } from "./state";
import { formatSize, nameForPaste } from "./uploads";

describe("files", () => {
  test("sizes read the way file managers show them", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(48213)).toBe("47 KB");
    expect(formatSize(25 * 1024 * 1024)).toBe("25 MB");
    expect(formatSize(3 * 1024 ** 4)).toBe("3.0 TB");
  });

  test("pasted images get a name with the time; named files keep theirs", () => {
    const at = new Date("2026-11-21T10:04:05Z");
    const pasted = nameForPaste(new File(["x"], "image.png", { type: "image/png" }), at);
    expect(pasted.name).toBe("pasted-2026-11-21-10-04-05.png");
    const jpeg = nameForPaste(new File(["x"], "", { type: "image/jpeg" }), at);
    expect(jpeg.name).toBe("pasted-2026-11-21-10-04-05.jpg");
    const named = new File(["x"], "cat.gif", { type: "image/gif" });
    expect(nameForPaste(named, at)).toBe(named);
  });

  test("a message without text is summed up by its files", () => {
    const file = { id: "7", name: "cat.png", content_type: "image/png", size: 3 };
    expect(summary({ body: "hi", attachments: [file] })).toBe("hi");
    expect(summary({ body: "", attachments: [file] })).toBe("sent cat.png");
    expect(summary({ body: "", attachments: [file, { ...file, id: "8" }] })).toBe("sent 2 files");
    expect(summary({ body: "", deleted: true })).toBe("deleted a message");
    expect(summary({ body: "**Kickoff** :tada:", html: "<p><strong>Kickoff</strong> 🎉</p>" })).toBe("Kickoff 🎉");
  });
});
