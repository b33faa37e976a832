import { describe, expect, it } from "vitest";
import { avatarHue } from "./ui/Sidebar";

describe("avatar colours", () => {
  it("come from the account, so a rename keeps them", () => {
    expect(avatarHue("7")).toBe(avatarHue("7"));
    expect(avatarHue("7")).not.toBe(avatarHue("8"));
  });

  it("set the first dozen accounts at least 20 degrees apart", () => {
    const hues = Array.from({ length: 12 }, (_, i) => avatarHue(String(i + 1))).sort((a, b) => a - b);
    const gaps = hues.map((h, i) => (i === 0 ? h + 360 - hues[hues.length - 1] : h - hues[i - 1]));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
    for (const h of hues) expect(h >= 0 && h < 360).toBe(true);
  });
});
