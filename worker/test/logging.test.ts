import { describe, expect, it } from "vitest";
import { MAX_LOGGED_PATH_CHARS, truncatePathForLog } from "../src/logger";
import { sha256Hex } from "../src/token-hash";
import {
  callGateway,
  GATEWAY_ORIGIN,
  sendTextRequest,
  TEST_GATEWAY_SECRET,
  TEST_SERVICE_ROLE_KEY,
} from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { INSTANCE_ROWS, type UpstreamHandler } from "./helpers/upstream";

const t = useGatewayTest();

const SECRET_VALUES = [TEST_SERVICE_ROLE_KEY, TEST_GATEWAY_SECRET];
const LEAK_TOKEN = "Token-Leak-Check-1";
const failWith503: UpstreamHandler = () => new Response("unavailable", { status: 503 });

describe("logging", () => {
  it("writes one JSON line per event with the request id", async () => {
    await callGateway(sendTextRequest({ headers: { "X-Request-ID": "req-log-1" } }));

    expect(t.logs.lines.length).toBeGreaterThan(0);
    for (const entry of t.logs.entries()) {
      expect(entry).toMatchObject({ requestId: "req-log-1" });
      expect(entry.level).toMatch(/^(info|warn|error)$/);
      expect(entry.event).toMatch(/^[a-z_]+$/);
    }
    expect(t.logs.lines.every((line) => !line.includes("\n"))).toBe(true);
  });

  it("identifies the token by the first 8 hex of its SHA-256", async () => {
    await callGateway(sendTextRequest({ token: "abc123" }));

    const [completed] = t.logs.events("request_completed");
    expect(completed).toMatchObject({
      level: "info",
      method: "POST",
      path: "/whatsapp/send-text",
      status: 200,
      tokenHash: (await sha256Hex("abc123")).slice(0, 8),
      instanceId: INSTANCE_ROWS.abc123?.id,
      instanceSource: "database",
    });
  });

  it("logs one masked line per send", async () => {
    await callGateway(sendTextRequest({ body: { number: "+55 11 98765-4321", text: "hi" } }));

    expect(t.logs.events("request_completed")).toEqual([
      {
        level: "info",
        event: "request_completed",
        requestId: expect.any(String),
        method: "POST",
        path: "/whatsapp/send-text",
        status: 200,
        durationMs: expect.any(Number),
        tokenHash: (await sha256Hex("abc123")).slice(0, 8),
        instanceSource: "database",
        instanceId: INSTANCE_ROWS.abc123?.id,
        upstreamStatus: 200,
        upstreamCode: null,
        recipient: "***4321",
        upstreamDurationMs: expect.any(Number),
      },
    ]);
    expect(t.logs.lines).toHaveLength(1);
  });

  it.each([
    ["a bad JSON body", () => sendTextRequest({ rawBody: "{" }), 400, "invalid_json"],
    ["an unknown field", () => sendTextRequest({ body: { extra: 1 } }), 400, "invalid_body"],
    ["no token", () => sendTextRequest({ token: null }), 401, "missing_token"],
    ["an unknown path", () => new Request(`${GATEWAY_ORIGIN}/nope`), 404, "not_found"],
  ])("names the error code of %s in the request log", async (_case, makeRequest, status, code) => {
    const response = await callGateway(makeRequest());

    expect(response.status).toBe(status);
    await response.body?.cancel();
    const [completed] = t.logs.events("request_completed");
    expect(completed).toMatchObject({ status, errorCode: code });
  });

  it.each<[string, () => Request, UpstreamHandler?]>([
    ["a successful send", () => sendTextRequest({ token: LEAK_TOKEN })],
    [
      "a Bearer token",
      () => sendTextRequest({ token: null, headers: { Authorization: `Bearer ${LEAK_TOKEN}` } }),
    ],
    ["a malformed token", () => sendTextRequest({ token: `${LEAK_TOKEN} x` })],
    ["a database failure", () => sendTextRequest({ token: LEAK_TOKEN }), failWith503],
    ["a bad body", () => sendTextRequest({ token: LEAK_TOKEN, rawBody: "{" })],
  ])(
    "never logs the raw token, a secret or the number for %s",
    async (_case, makeRequest, lookup) => {
      t.upstream.onPostgrest(lookup ?? (() => Response.json([INSTANCE_ROWS.abc123])));

      await callGateway(makeRequest());

      const output = t.logs.lines.join("\n");
      expect(output).not.toContain(LEAK_TOKEN);
      for (const secret of SECRET_VALUES) {
        expect(output).not.toContain(secret);
      }
      expect(output).not.toContain("5511999999999");
      expect(output).not.toContain("99999999");
    },
  );
});

describe("logged path", () => {
  it.each([
    ["short", "/whatsapp/send-text", "/whatsapp/send-text"],
    ["at the limit", `/${"a".repeat(255)}`, `/${"a".repeat(255)}`],
    ["one over the limit", `/${"a".repeat(256)}`, `/${"a".repeat(255)}…(+1 chars)`],
    ["20,000 characters", `/${"b".repeat(19_999)}`, `/${"b".repeat(255)}…(+19744 chars)`],
  ])("keeps a %s path within the limit", (_case, path, logged) => {
    expect(MAX_LOGGED_PATH_CHARS).toBe(256);
    expect(truncatePathForLog(path)).toBe(logged);
  });

  it("cuts an unknown 20 KB path in the request log", async () => {
    const path = `/${"x".repeat(20_000)}`;

    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}${path}`));

    expect(response.status).toBe(404);
    await response.body?.cancel();
    const [completed] = t.logs.events("request_completed");
    expect(completed).toMatchObject({
      method: "GET",
      path: `/${"x".repeat(255)}…(+19745 chars)`,
      status: 404,
    });
    expect(Math.max(...t.logs.lines.map((line) => line.length))).toBeLessThan(1_024);
  });
});
