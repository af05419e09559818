import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../src/token-hash";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, TEST_SERVICE_ROLE_KEY, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import {
  expectLookupOf,
  hangUntilAborted,
  INSTANCE_ROWS,
  type UpstreamHandler,
} from "./helpers/upstream";

const t = useGatewayTest();

const UNAVAILABLE = "The instance database is unavailable; retry in a few seconds";
const MISCONFIGURED =
  "The gateway is misconfigured; its operator has to fix the deployment settings";
const INTERNAL = "The gateway failed to process the request; try again later";

const json =
  (body: unknown, status = 200): UpstreamHandler =>
  () =>
    Response.json(body, { status });
const text =
  (body: string, status = 200): UpstreamHandler =>
  () =>
    new Response(body, { status });

describe("instance lookup", () => {
  it("queries PostgREST by token digest with the service key", async () => {
    const token = "a&b=c+d%25#?/,~";

    await callGateway(sendTextRequest({ token }));

    const [call] = t.upstream.postgrestCalls();
    await expectLookupOf(call, token);
    expect([...(call?.url.searchParams ?? [])]).toEqual([
      ["select", "id,user_id,name,status"],
      [
        "instance_token_sha256",
        "eq.871c8c858a02e5fa2d67e6e4eb61438de5ea7a01d8ad87eeeee211dabd91fe62",
      ],
      ["limit", "2"],
    ]);
    expect(call?.headers.get("apikey")).toBe(TEST_SERVICE_ROLE_KEY);
    expect(call?.headers.get("Authorization")).toBe(`Bearer ${TEST_SERVICE_ROLE_KEY}`);
  });

  it.each([
    ["a plain token", "abc123"],
    ["URL syntax", "a&b=c+d%25#?/,~"],
    ["256 characters", "x".repeat(256)],
  ])("lookup URL never contains %s", async (_case, token) => {
    await callGateway(sendTextRequest({ token }));

    const href = t.upstream.postgrestCalls()[0]?.url.href ?? "";
    expect(href).toContain(`instance_token_sha256=eq.${await sha256Hex(token)}`);
    expect(href).not.toContain(token);
    expect(href).not.toContain(encodeURIComponent(token));
    expect(href).not.toContain(new URLSearchParams({ t: token }).toString().slice("t=".length));
  });

  it("hashes the token once per request", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");

    const response = await callGateway(sendTextRequest());

    expect(response.status).toBe(200);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(digest).toHaveBeenCalledTimes(1);
  });

  async function expectLookupFailure(
    response: Response,
    expected: { status: number; code: string; message: string; reason: string },
  ): Promise<void> {
    await expectError(response, expected.status, expected.code, expected.message);
    const expectedRetryAfter = expected.status === 503 ? "2" : null;
    expect(response.headers.get("Retry-After")).toBe(expectedRetryAfter);
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
    expect((await env.TOKEN_CACHE.list()).keys).toHaveLength(0);
    const [logged] = t.logs.events("instance_lookup_failed");
    expect(logged).toMatchObject({ level: "error", reason: expected.reason });
  }

  it.each<[string, UpstreamHandler]>([
    ["401 Invalid API key", json({ message: "Invalid API key" }, 401)],
    ["403 permission denied", json({ code: "42501", message: "permission denied" }, 403)],
  ])("PostgREST %s returns 500 gateway_misconfigured", async (_case, handler) => {
    t.upstream.onPostgrest(handler);

    const response = await callGateway(sendTextRequest());

    await expectLookupFailure(response, {
      status: 500,
      code: "gateway_misconfigured",
      message: MISCONFIGURED,
      reason: "credentials_rejected",
    });
  });

  it.each<[string, UpstreamHandler, string]>([
    ["500", json({ message: "internal" }, 500), "server_error"],
    ["503", text("Service Unavailable", 503), "server_error"],
    ["429", text("Too Many Requests", 429), "server_error"],
    ["invalid JSON", text("<html>gateway error</html>"), "invalid_json"],
    ["network error", () => Promise.reject(new TypeError("Network lost")), "network_error"],
  ])("PostgREST %s returns 503 database_unavailable", async (_case, handler, reason) => {
    t.upstream.onPostgrest(handler);

    const response = await callGateway(sendTextRequest());

    await expectLookupFailure(response, {
      status: 503,
      code: "database_unavailable",
      message: UNAVAILABLE,
      reason,
    });
  });

  it.each<[string, UpstreamHandler, string]>([
    ["404 unknown table", json({ code: "PGRST205" }, 404), "unexpected_status"],
    ["two rows", json([INSTANCE_ROWS.abc123, INSTANCE_ROWS.ghi789]), "duplicate_token"],
    ["an object instead of rows", json({ id: INSTANCE_ROWS.abc123?.id }), "invalid_rows"],
    ["an unknown status", json([{ ...INSTANCE_ROWS.abc123, status: "banned" }]), "invalid_rows"],
    ["a row without id", json([{ ...INSTANCE_ROWS.abc123, id: undefined }]), "invalid_rows"],
  ])("PostgREST %s returns 500 internal_error", async (_case, handler, reason) => {
    t.upstream.onPostgrest(handler);

    const response = await callGateway(sendTextRequest());

    await expectLookupFailure(response, {
      status: 500,
      code: "internal_error",
      message: INTERNAL,
      reason,
    });
  });

  it("logs two rows for one token as an alert", async () => {
    t.upstream.onPostgrest(json([INSTANCE_ROWS.abc123, INSTANCE_ROWS.abc123]));

    await callGateway(sendTextRequest());

    const [logged] = t.logs.events("instance_lookup_failed");
    expect(logged).toMatchObject({ alert: true, reason: "duplicate_token", rowCount: 2 });
  });

  it("PostgREST timeout maps to 503 with Retry-After", async () => {
    t.upstream.onPostgrest(hangUntilAborted);

    const response = await callGateway(sendTextRequest(), testEnv({ POSTGREST_TIMEOUT_MS: "30" }));

    expect(response.headers.get("Retry-After")).toBe("2");
    await expectError(response, 503, "database_unavailable", UNAVAILABLE);
    const [logged] = t.logs.events("instance_lookup_failed");
    expect(logged).toMatchObject({ level: "error", reason: "timeout" });
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("extra columns in a row are not cached", async () => {
    t.upstream.onPostgrest(json([{ ...INSTANCE_ROWS.abc123, provider_token: "leak" }]));

    const response = await callGateway(sendTextRequest());

    expect(response.status).toBe(200);
    const [key] = (await env.TOKEN_CACHE.list()).keys;
    expect(await env.TOKEN_CACHE.get(key?.name ?? "")).not.toContain("provider_token");
  });
});
