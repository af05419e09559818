import { describe, expect, it } from "vitest";
import { MemoryCache } from "../src/memory-cache";

/** A cache whose clock the test moves by hand. */
function cacheWithClock() {
  const clock = { nowMs: 1_000_000 };
  const cache = new MemoryCache<string>(() => clock.nowMs);
  return { cache, clock };
}

const LIMITS = { maxEntries: 3, ttlSeconds: 10 };

describe("memory cache", () => {
  it("returns a stored value", () => {
    const { cache } = cacheWithClock();

    cache.set("a", "first", LIMITS);

    expect(cache.get("a")).toBe("first");
    expect(cache.get("missing")).toBeUndefined();
  });

  it("evicts the least recently stored entry at the bound", () => {
    const { cache } = cacheWithClock();

    for (const key of ["a", "b", "c", "d"]) {
      cache.set(key, key, LIMITS);
    }

    expect(cache.size).toBe(3);
    expect(cache.get("a")).toBeUndefined();
    expect([cache.get("b"), cache.get("c"), cache.get("d")]).toEqual(["b", "c", "d"]);
  });

  it("read makes an entry the most recently used", () => {
    const { cache } = cacheWithClock();
    for (const key of ["a", "b", "c"]) {
      cache.set(key, key, LIMITS);
    }

    cache.get("a");
    cache.set("d", "d", LIMITS);

    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("a");
  });

  it("overwrite replaces the value without growing", () => {
    const { cache } = cacheWithClock();
    cache.set("a", "old", LIMITS);

    cache.set("a", "new", LIMITS);

    expect(cache.size).toBe(1);
    expect(cache.get("a")).toBe("new");
  });

  it("expires an entry after its TTL", () => {
    const { cache, clock } = cacheWithClock();
    cache.set("a", "value", LIMITS);

    clock.nowMs += 9_999;
    expect(cache.get("a")).toBe("value");
    clock.nowMs += 1;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("read does not extend the TTL", () => {
    const { cache, clock } = cacheWithClock();
    cache.set("a", "value", LIMITS);

    clock.nowMs += 6_000;
    cache.get("a");
    clock.nowMs += 4_000;

    expect(cache.get("a")).toBeUndefined();
  });

  it("bound of 0 stores nothing", () => {
    const { cache } = cacheWithClock();
    cache.set("a", "kept", LIMITS);

    cache.set("a", "value", { maxEntries: 0, ttlSeconds: 10 });

    expect(cache.size).toBe(0);
    expect(cache.get("a")).toBeUndefined();
  });

  it("smaller bound evicts down to it on the next write", () => {
    const { cache } = cacheWithClock();
    for (const key of ["a", "b", "c"]) {
      cache.set(key, key, LIMITS);
    }

    cache.set("d", "d", { maxEntries: 1, ttlSeconds: 10 });

    expect(cache.size).toBe(1);
    expect(cache.get("d")).toBe("d");
  });

  it("delete and clear drop entries", () => {
    const { cache } = cacheWithClock();
    for (const key of ["a", "b", "c"]) {
      cache.set(key, key, LIMITS);
    }

    cache.delete("b");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
