import { describe, expect, it } from "vitest";
import { callGateway, GATEWAY_ORIGIN, sendTextRequest, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request id", () => {
  it.each(["req-1", "a.b:c_d-E", "x".repeat(64)])("reuses the well-formed id %s", async (id) => {
    const response = await callGateway(sendTextRequest({ headers: { "X-Request-ID": id } }));

    expect(response.headers.get("X-Request-ID")).toBe(id);
    expect(t.upstream.sendTextCalls()[0]?.headers.get("X-Request-ID")).toBe(id);
    const [completed] = t.logs.events("request_completed");
    expect(completed?.requestId).toBe(id);
  });

  it.each([
    ["too long", "x".repeat(65)],
    ["a space", "req 1"],
    ["a quote", 'req"1'],
    ["a slash", "req/1"],
  ])("replaces an id with %s by a UUID", async (_case, id) => {
    const response = await callGateway(sendTextRequest({ headers: { "X-Request-ID": id } }));

    expect(response.headers.get("X-Request-ID")).toMatch(UUID);
    expect(response.headers.get("X-Request-ID")).not.toBe(id);
  });

  it.each<[string, () => Request, Record<string, unknown>?]>([
    ["health", () => new Request(`${GATEWAY_ORIGIN}/health`)],
    ["404", () => new Request(`${GATEWAY_ORIGIN}/nope`)],
    ["405", () => new Request(`${GATEWAY_ORIGIN}/health`, { method: "POST" })],
    ["401", () => sendTextRequest({ token: null })],
    ["400", () => sendTextRequest({ rawBody: "{" })],
    [
      "500 misconfigured",
      () => new Request(`${GATEWAY_ORIGIN}/health`),
      { SUPABASE_URL: undefined },
    ],
    ["200 send", () => sendTextRequest()],
  ])("is set on the %s response", async (_case, makeRequest, overrides) => {
    const response = await callGateway(makeRequest(), testEnv(overrides));

    const requestId = response.headers.get("X-Request-ID");
    expect(requestId).toMatch(UUID);
    const [completed] = t.logs.events("request_completed");
    expect(completed).toMatchObject({ requestId, status: response.status });
  });
});
