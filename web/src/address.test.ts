import { describe, expect, it } from "vitest";
import { addressOf, parseAddress } from "./address";

describe("addresses", () => {
  it("name a room or a message in it", () => {
    expect(parseAddress("/r/12")).toEqual({ roomId: "12" });
    expect(parseAddress("/r/12/")).toEqual({ roomId: "12" });
    expect(parseAddress("/r/12/345")).toEqual({ roomId: "12", seq: 345 });
  });

  it("are made back into the same paths", () => {
    expect(addressOf("12")).toBe("/r/12");
    expect(addressOf("12", 345)).toBe("/r/12/345");
    expect(parseAddress(addressOf("7", 1))).toEqual({ roomId: "7", seq: 1 });
  });

  it("refuse anything else", () => {
    for (const path of ["/", "/r", "/r/", "/r/0", "/r/01", "/r/x", "/r/1/0", "/r/1/2/3", "/r/1/-2", "/r/1?x", "/admin", "/r/1e5", "/r/12345678901234567890"]) {
      expect(parseAddress(path), path).toBeNull();
    }
  });
});
