import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SingleFlight } from "../src/single-flight";
import { deferred } from "./helpers/deferred";
import { callGateway, sendTextRequest } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { answerFromInstanceRows } from "./helpers/upstream";

const t = useGatewayTest();

describe("single flight", () => {
  it("shares a running task for the same key", async () => {
    const flights = new SingleFlight<string>();
    const ctx = createExecutionContext();
    const task = deferred<string>();
    let started = 0;
    const start = () => {
      started++;
      return task.promise;
    };

    const first = flights.run("key", start, ctx);
    const second = flights.run("key", start, ctx);
    task.resolve("row");

    expect(await first).toBe("row");
    expect(await second).toBe("row");
    expect(started).toBe(1);
    await waitOnExecutionContext(ctx);
  });

  it("starts a new task once the last one settled", async () => {
    const flights = new SingleFlight<number>();
    const ctx = createExecutionContext();
    let started = 0;
    const start = async () => ++started;

    expect(await flights.run("key", start, ctx)).toBe(1);
    expect(await flights.run("key", start, ctx)).toBe(2);
    await waitOnExecutionContext(ctx);
  });

  it("shares a rejection and then forgets it", async () => {
    const flights = new SingleFlight<string>();
    const ctx = createExecutionContext();
    const failure = new Error("database unavailable");
    const failing = () => Promise.reject(failure);

    const results = await Promise.allSettled([
      flights.run("key", failing, ctx),
      flights.run("key", failing, ctx),
    ]);

    expect(results).toEqual([
      { status: "rejected", reason: failure },
      { status: "rejected", reason: failure },
    ]);
    expect(await flights.run("key", async () => "recovered", ctx)).toBe("recovered");
    await waitOnExecutionContext(ctx);
  });

  it("keeps different keys apart", async () => {
    const flights = new SingleFlight<string>();
    const ctx = createExecutionContext();

    const results = await Promise.all([
      flights.run("a", async () => "first", ctx),
      flights.run("b", async () => "second", ctx),
    ]);

    expect(results).toEqual(["first", "second"]);
    await waitOnExecutionContext(ctx);
  });

  it("concurrent misses for one token make one PostgREST call", async () => {
    const gate = deferred<void>();
    t.upstream.onPostgrest(async (call, signal) => {
      await gate.promise;
      return answerFromInstanceRows(call, signal);
    });

    const responses = Promise.all([
      callGateway(sendTextRequest({ token: "abc123" })),
      callGateway(sendTextRequest({ token: "abc123" })),
      callGateway(sendTextRequest({ token: "abc123" })),
    ]);
    await scheduler.wait(20);
    gate.resolve();

    expect((await responses).map((response) => response.status)).toEqual([200, 200, 200]);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(t.upstream.sendTextCalls()).toHaveLength(3);
  });
});
