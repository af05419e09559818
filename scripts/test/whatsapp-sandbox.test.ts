import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SANDBOX_MAX_BODY_BYTES,
  startWhatsAppSandbox,
  type WhatsAppSandbox,
} from "../local/whatsapp-sandbox.ts";

const PROVIDER_TOKEN = "sandbox-provider-vendas";
let sandbox: WhatsAppSandbox;

beforeAll(async () => {
  sandbox = await startWhatsAppSandbox({
    host: "127.0.0.1",
    port: 0,
    providerTokens: [PROVIDER_TOKEN, "sandbox-provider-suporte"],
  });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/messages`, { method: "DELETE" });
  await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
});

function sendText(body: unknown, token: string | null = PROVIDER_TOKEN): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) {
    headers.token = token;
  }
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return fetch(`${sandbox.url}/send/text`, { method: "POST", headers, body: payload });
}

function queueFault(fault: unknown): Promise<Response> {
  return fetch(`${sandbox.url}/__sandbox/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(fault),
  });
}

describe("WhatsApp sandbox POST /send/text", () => {
  it("records a message, responds like uazapi", async () => {
    const response = await sendText({ number: "5511987654321", text: "Olá" });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = await response.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^r[0-9a-f]{8}$/),
      messageid: expect.stringMatching(/^3EB0[0-9A-F]{16}$/),
      chatid: "5511987654321@s.whatsapp.net",
      fromMe: true,
      messageType: "Conversation",
      messageTimestamp: expect.any(Number),
      text: "Olá",
      status: "Pending",
    });
    expect(sandbox.messages()).toEqual([{ number: "5511987654321", text: "Olá" }]);
  });

  it("keeps a group JID as the chat id", async () => {
    const response = await sendText({ number: "120363025246125486@g.us", text: "Hi group" });

    expect((await response.json()).chatid).toBe("120363025246125486@g.us");
  });

  it.each([
    ["missing", null],
    ["unknown", "sandbox-provider-unknown"],
    ["differently cased", PROVIDER_TOKEN.toUpperCase()],
  ])("rejects a %s provider token", async (_case, token) => {
    const response = await sendText({ number: "5511987654321", text: "Hi" }, token);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Invalid token" });
    expect(sandbox.messages()).toEqual([]);
  });

  it.each([
    ["invalid JSON", "{", "Invalid JSON body"],
    ["an array", [], "Body must be a JSON object"],
    ["no number", { text: "Hi" }, "Missing number"],
    ["a numeric number", { number: 5511987654321, text: "Hi" }, "Missing number"],
    ["a blank number", { number: " ", text: "Hi" }, "Missing number"],
    ["no text", { number: "5511987654321" }, "Missing text"],
    ["an empty text", { number: "5511987654321", text: "" }, "Missing text"],
  ])("rejects a body with %s", async (_case, body, error) => {
    const response = await sendText(body);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error });
    expect(sandbox.messages()).toEqual([]);
  });

  it("rejects a body over the size limit", async () => {
    const text = "x".repeat(SANDBOX_MAX_BODY_BYTES);
    const response = await sendText({ number: "5511987654321", text });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: `Body larger than ${SANDBOX_MAX_BODY_BYTES} bytes`,
    });
    expect(sandbox.messages()).toEqual([]);
  });
});

describe("WhatsApp sandbox streamed body", () => {
  it("stops reading a chunked body past the size limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let chunksSent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Twice the limit, so the sandbox must respond before the body ends.
        if (chunksSent * chunk.byteLength > 2 * SANDBOX_MAX_BODY_BYTES) {
          controller.close();
          return;
        }
        chunksSent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${sandbox.url}/send/text`, {
      method: "POST",
      headers: { token: PROVIDER_TOKEN, "Content-Type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: `Body larger than ${SANDBOX_MAX_BODY_BYTES} bytes`,
    });
    expect(sandbox.messages()).toEqual([]);
  });
});

describe("WhatsApp sandbox /messages", () => {
  it("lists messages oldest first", async () => {
    for (const text of ["first", "second", "third"]) {
      await (await sendText({ number: "5511987654321", text })).body?.cancel();
    }

    const response = await fetch(`${sandbox.url}/messages`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { number: "5511987654321", text: "first" },
      { number: "5511987654321", text: "second" },
      { number: "5511987654321", text: "third" },
    ]);
  });

  it("clears messages on DELETE", async () => {
    await (await sendText({ number: "5511987654321", text: "gone" })).body?.cancel();

    const response = await fetch(`${sandbox.url}/messages`, { method: "DELETE" });

    expect(response.status).toBe(204);
    expect(sandbox.messages()).toEqual([]);
    expect(await (await fetch(`${sandbox.url}/messages`)).json()).toEqual([]);
  });

  it("returns copies that callers cannot change", async () => {
    await (await sendText({ number: "5511987654321", text: "kept" })).body?.cancel();

    const copy = sandbox.messages();
    copy.length = 0;

    expect(sandbox.messages()).toEqual([{ number: "5511987654321", text: "kept" }]);
  });
});

describe("WhatsApp sandbox faults", () => {
  it("queued fault replaces the next sends", async () => {
    const fault = {
      status: 429,
      body: { error: "rate limit" },
      headers: { "Retry-After": "3" },
      times: 2,
    };
    expect((await queueFault(fault)).status).toBe(200);

    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await sendText({ number: "5511987654321", text: "Hi" });
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("3");
      expect(await response.json()).toEqual({ error: "rate limit" });
    }
    const recovered = await sendText({ number: "5511987654321", text: "Hi" });

    expect(recovered.status).toBe(200);
    await recovered.body?.cancel();
    expect(sandbox.messages()).toEqual([{ number: "5511987654321", text: "Hi" }]);
  });

  it("delays a fault by delayMs", async () => {
    await (await queueFault({ status: 504, delayMs: 150 })).body?.cancel();
    const startedAt = performance.now();

    const response = await sendText({ number: "5511987654321", text: "Hi" });

    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({});
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  it("queues a redirect fault with its Location", async () => {
    const location = "http://127.0.0.1:9/elsewhere";
    expect((await queueFault({ status: 302, headers: { Location: location } })).status).toBe(200);

    const response = await fetch(`${sandbox.url}/send/text`, {
      method: "POST",
      headers: { token: PROVIDER_TOKEN, "Content-Type": "application/json" },
      body: JSON.stringify({ number: "5511987654321", text: "Hi" }),
      redirect: "manual",
    });

    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(location);
    await response.body?.cancel();
    expect(sandbox.messages()).toEqual([]);
  });

  it("sends a raw fault body as text", async () => {
    expect((await queueFault({ status: 200, rawBody: "<html>OK</html>" })).status).toBe(200);

    const response = await sendText({ number: "5511987654321", text: "Hi" });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("<html>OK</html>");
    expect(sandbox.messages()).toEqual([]);
  });

  it("sends a raw fault body with the given Content-Type", async () => {
    const fault = { status: 200, rawBody: "<p>OK</p>", headers: { "content-type": "text/html" } };
    expect((await queueFault(fault)).status).toBe(200);

    const response = await sendText({ number: "5511987654321", text: "Hi" });

    expect(response.headers.get("content-type")).toBe("text/html");
    expect(await response.text()).toBe("<p>OK</p>");
  });

  it("checks the token before a fault", async () => {
    await (await queueFault({ status: 500, body: { error: "connection closed" } })).body?.cancel();

    const response = await sendText({ number: "5511987654321", text: "Hi" }, "wrong");

    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it.each([
    [{ status: 99 }, "status must be an HTTP status from 200 to 599"],
    [{ status: 500, headers: { a: 1 } }, "headers must be an object of strings"],
    [{ status: 200, rawBody: 1 }, "rawBody must be a string"],
    [{ status: 200, rawBody: "OK", body: {} }, "give body or rawBody, not both"],
    [{ status: 500, delayMs: -1 }, "delayMs must be a whole number from 0 to 60000"],
    [{ status: 500, times: 0 }, "times must be a whole number from 1 to 1000"],
  ])("rejects the fault %j", async (fault, error) => {
    const response = await queueFault(fault);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error });
  });
});

describe("WhatsApp sandbox routing", () => {
  it("returns 404 for an unknown path", async () => {
    const response = await fetch(`${sandbox.url}/send/image`, { method: "POST" });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Not found" });
  });

  it("returns 405 with Allow for a wrong method", async () => {
    const response = await fetch(`${sandbox.url}/send/text`);

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toEqual({ error: "Method not allowed" });
  });

  it("listens on the requested host only", () => {
    expect(new URL(sandbox.url).hostname).toBe("127.0.0.1");
  });
});
