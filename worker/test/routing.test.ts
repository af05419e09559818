import { describe, expect, it, vi } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

describe("routing", () => {
  it("health returns ok", async () => {
    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}/health`));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(t.upstream.calls).toHaveLength(0);
  });

  it("health answers HEAD with status 200", async () => {
    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}/health`, { method: "HEAD" }));

    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-ID")).toEqual(expect.any(String));
    expect(t.upstream.calls).toHaveLength(0);
  });

  it.each([
    ["GET", "/"],
    ["GET", "/whatsapp"],
    ["POST", "/whatsapp/send-image"],
    ["DELETE", "/admin/unknown"],
  ])("unknown path %s %s returns 404", async (method, path) => {
    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}${path}`, { method }));

    await expectError(response, 404, "not_found", "Not found: no route matches this path");
    expect(response.headers.get("Allow")).toBeNull();
  });

  it.each([
    ["GET", "/whatsapp/send-text", "POST"],
    ["PUT", "/whatsapp/send-text", "POST"],
    ["OPTIONS", "/whatsapp/send-text", "POST"],
    ["POST", "/health", "GET, HEAD"],
    ["DELETE", "/health", "GET, HEAD"],
    ["GET", "/admin/cache/purge", "POST"],
    ["DELETE", "/admin/cache/purge", "POST"],
    ["POST", "/admin/cache/keys", "GET"],
    ["DELETE", "/admin/cache/keys", "GET"],
  ])("wrong method %s %s returns 405 with Allow", async (method, path, allowed) => {
    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}${path}`, { method }));

    expect(response.headers.get("Allow")).toBe(allowed);
    await expectError(
      response,
      405,
      "method_not_allowed",
      `Method ${method} is not allowed on this path; use ${allowed}`,
    );
    expect(t.upstream.calls).toHaveLength(0);
  });

  it("unexpected error returns a generic 500", async () => {
    const detail = "digest exploded in /internal/crypto.ts";
    vi.spyOn(crypto.subtle, "digest").mockRejectedValue(new Error(detail));
    const request = new Request(`${GATEWAY_ORIGIN}/whatsapp/send-text`, {
      method: "POST",
      headers: { token: "abc123" },
      body: "{}",
    });

    const response = await callGateway(request);

    await expectError(
      response,
      500,
      "internal_error",
      "The gateway failed to process the request; try again later",
    );
    const [logged] = t.logs.events("unhandled_error");
    expect(logged).toMatchObject({ level: "error", errorName: "Error", errorMessage: detail });
  });
});
