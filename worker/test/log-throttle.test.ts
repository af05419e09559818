import { describe, expect, it } from "vitest";
import { LogThrottle } from "../src/log-throttle";

describe("log throttle", () => {
  it("admits once per interval and counts the repeats", () => {
    const clock = { nowMs: 5_000 };
    const throttle = new LogThrottle(60_000, () => clock.nowMs);

    expect(throttle.admit()).toBe(0);
    clock.nowMs += 1_000;
    expect(throttle.admit()).toBeUndefined();
    clock.nowMs += 58_999;
    expect(throttle.admit()).toBeUndefined();
    clock.nowMs += 1;
    expect(throttle.admit()).toBe(2);
    expect(throttle.admit()).toBeUndefined();
  });
});
