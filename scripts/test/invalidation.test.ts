import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SECRETS } from "../local/config.ts";
import {
  portsFrom,
  runPsql,
  type StackProcess,
  sandboxMessages,
  sendText,
  startStackProcess,
} from "./helpers/local-stack-process.ts";

// The promise under test: the edge reflects a committed change within one second.
const PROPAGATION_DEADLINE_MS = 1_000;
const POLL_INTERVAL_MS = 25;

function tokenHash8(token: string): string {
  return createHash("sha256").update(token).digest("hex").slice(0, 8);
}

/** Calls `attempt` until it returns a value, or fails once `deadlineMs` has passed. */
async function within<T>(deadlineMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const startedAt = performance.now();
  let last: T | undefined;
  while (performance.now() - startedAt < deadlineMs) {
    last = await attempt();
    if (last !== undefined) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`condition not met within ${deadlineMs} ms`);
}

async function cachedKeys(stack: StackProcess): Promise<string[]> {
  const response = await fetch(`${stack.gatewayUrl}/admin/cache/keys`, {
    headers: { Authorization: `Bearer ${LOCAL_SECRETS.ADMIN_SECRET}` },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { keys: string[] };
  return body.keys;
}

/** Waits until the token's KV entry exists, because the Worker writes it after its response. */
function cachedWithin(stack: StackProcess, token: string): Promise<true> {
  return within(PROPAGATION_DEADLINE_MS, async () => {
    return (await cachedKeys(stack)).includes(tokenHash8(token)) ? true : undefined;
  });
}

/** Sends until the gateway responds with `status`, and returns that response's body. */
function answersWithin(stack: StackProcess, token: string, status: number, text: string) {
  return within(PROPAGATION_DEADLINE_MS, async () => {
    const response = await sendText(stack.gatewayUrl, token, { number: "5511999999999", text });
    const body = await response.json();
    return response.status === status ? body : undefined;
  });
}

/**
 * Waits until the local pg_net stand-in has recorded `count` webhook responses, so that no purge
 * from an earlier change is still on its way.
 */
function webhooksDeliveredWithin(stack: StackProcess, count: number): Promise<true> {
  return within(PROPAGATION_DEADLINE_MS, async () => {
    const delivered = await runPsql(stack.databaseUrl, "select count(*) from net._http_response");
    return Number(delivered) >= count ? true : undefined;
  });
}

/**
 * Caches abc123 as connected, disconnects it with psql and sends once more. Returns that
 * response and what the sandbox contained before the change.
 */
async function sendAfterDisconnect(stack: StackProcess) {
  const warm = await sendText(stack.gatewayUrl, "abc123", { number: "5511999999999", text: "1" });
  expect(warm.status).toBe(200);
  await cachedWithin(stack, "abc123");
  const sentBefore = await sandboxMessages(stack.sandboxUrl);

  await runPsql(
    stack.databaseUrl,
    "update whatsapp_instances set status = 'disconnected' where instance_token = 'abc123'",
  );

  const response = await sendText(stack.gatewayUrl, "abc123", {
    number: "5511999999999",
    text: "2",
  });
  return { response, sentBefore };
}

describe("changes to an instance row, with webhook delivery on", () => {
  let stack: StackProcess;

  beforeAll(async () => {
    stack = await startStackProcess(portsFrom(28800));
  }, 35_000);

  afterAll(async () => {
    await stack.stop();
  });

  it("refuses a disconnected instance and purges its cache entry", async () => {
    const { response: refused, sentBefore } = await sendAfterDisconnect(stack);

    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toEqual({
      code: "instance_disconnected",
      message: "Instance is disconnected",
    });
    await within(PROPAGATION_DEADLINE_MS, async () => {
      return (await cachedKeys(stack)).includes(tokenHash8("abc123")) ? undefined : true;
    });
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual(sentBefore);
  });

  it("accepts a reconnected instance at once", async () => {
    const sentBefore = await sandboxMessages(stack.sandboxUrl);
    await runPsql(
      stack.databaseUrl,
      "update whatsapp_instances set status = 'connected' where instance_token = 'abc123'",
    );

    const body = await answersWithin(stack, "abc123", 200, "back online");

    expect(body.status).toBe("sent");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([
      ...sentBefore,
      { number: "5511999999999", text: "back online" },
    ]);
  });

  it("moves a rotated token from old to new", async () => {
    const warm = await sendText(stack.gatewayUrl, "def456", { number: "5511999999999", text: "3" });
    expect(warm.status).toBe(200);

    await runPsql(
      stack.databaseUrl,
      "update whatsapp_instances set instance_token = 'def456-rotated' where instance_token = 'def456'",
    );

    const oldBody = await answersWithin(stack, "def456", 401, "old token");
    expect(oldBody.error.code).toBe("invalid_token");
    const newBody = await answersWithin(stack, "def456-rotated", 200, "new token");
    expect(newBody.status).toBe("sent");
  });

  it("rejects the token of a deleted instance", async () => {
    const warm = await sendText(stack.gatewayUrl, "def456-rotated", {
      number: "5511999999999",
      text: "4",
    });
    expect(warm.status).toBe(200);
    const sentBefore = await sandboxMessages(stack.sandboxUrl);

    await runPsql(
      stack.databaseUrl,
      "delete from whatsapp_instances where instance_token = 'def456-rotated'",
    );

    const body = await answersWithin(stack, "def456-rotated", 401, "after delete");
    expect(body.error.code).toBe("invalid_token");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual(sentBefore);
  });

  it("accepts a new token that was cached as not found", async () => {
    // A purge that arrives during the lookup rightly keeps its "not found" out of the cache, so
    // the four earlier changes' purges must have landed first.
    await webhooksDeliveredWithin(stack, 4);
    const unknown = await sendText(stack.gatewayUrl, "brand-new-token", {
      number: "5511999999999",
      text: "5",
    });
    expect(unknown.status).toBe(401);
    await cachedWithin(stack, "brand-new-token");

    await runPsql(
      stack.databaseUrl,
      `insert into whatsapp_instances (user_id, name, instance_token, provider_token, status)
       values ('00000000-0000-4000-8000-00000000a001', 'Novo', 'brand-new-token', 'sandbox-provider-vendas', 'connected')`,
    );

    const body = await answersWithin(stack, "brand-new-token", 200, "hello from a new instance");
    expect(body.status).toBe("sent");
  });

  it("rejects purge calls without the admin secret", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong-secret",
      `Bearer ${LOCAL_SECRETS.ADMIN_SECRET.toUpperCase()}`,
    ]) {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (authorization) headers.Authorization = authorization;
      const response = await fetch(`${stack.gatewayUrl}/admin/cache/purge`, {
        method: "POST",
        headers,
        body: JSON.stringify({ tokens: ["abc123"] }),
      });
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body.error.code).toBe(authorization ? "invalid_admin_secret" : "missing_admin_secret");
    }
  });
});

describe("changes to an instance row, with webhook delivery off", () => {
  let stack: StackProcess;

  beforeAll(async () => {
    stack = await startStackProcess(portsFrom(28820), { WEBHOOK_DELIVERY: "off" });
  }, 35_000);

  afterAll(async () => {
    await stack.stop();
  });

  it("still sends nothing for a disconnected instance", async () => {
    const { response: refused, sentBefore } = await sendAfterDisconnect(stack);

    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("instance_disconnected");
    // The edge answered from its stale entry and forwarded the send, so the send-text
    // function's re-check alone rejected it.
    expect(refused.headers.get("Server-Timing")).toMatch(/cache;desc="(memory|kv)"/);
    expect(refused.headers.get("Server-Timing")).toMatch(/upstream;dur=/);
    expect(await cachedKeys(stack)).toContain(tokenHash8("abc123"));
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual(sentBefore);
  });
});
