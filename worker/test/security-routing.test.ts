import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const MISSING_ADMIN_SECRET =
  "Missing admin secret: send it as Authorization: Bearer <ADMIN_SECRET>";
const MISSING_TOKEN =
  "Missing token: send the instance token in the token header or as Authorization: Bearer <token>";
const NOT_FOUND = "Not found: no route matches this path";

function call(method: string, path: string): Promise<Response> {
  return callGateway(new Request(`${GATEWAY_ORIGIN}${path}`, { method, body: null }));
}

describe("routing of path variants", () => {
  it.each([
    ["POST", "/admin/cache/purge/"],
    ["POST", "/admin/cache/purge?all=true"],
    ["POST", "/admin/x/../cache/purge"],
    ["GET", "/admin/cache/keys/"],
    ["GET", "/admin/./cache/keys"],
  ])("admin route %s %s still needs the secret", async (method, path) => {
    const response = await call(method, path);

    await expectError(response, 401, "missing_admin_secret", MISSING_ADMIN_SECRET);
    expect(t.upstream.calls).toHaveLength(0);
  });

  it.each(["/whatsapp/send-text/", "/whatsapp/send-text?token=abc123", "/whatsapp/x/../send-text"])(
    "send route POST %s still needs a token",
    async (path) => {
      const response = await call("POST", path);

      await expectError(response, 401, "missing_token", MISSING_TOKEN);
      expect(t.upstream.calls).toHaveLength(0);
    },
  );

  it.each([
    "/WhatsApp/send-text",
    "/whatsapp%2Fsend-text",
    "//whatsapp/send-text",
    "/whatsapp/send-text/extra",
    "/ADMIN/cache/purge",
    "/%",
  ])("path POST %s returns 404", async (path) => {
    const response = await call("POST", path);

    await expectError(response, 404, "not_found", NOT_FOUND);
    expect(response.headers.get("Allow")).toBeNull();
  });

  it.each([
    ["HEAD", "/whatsapp/send-text", "POST"],
    ["TRACE", "/health", "GET, HEAD"],
    ["PATCH", "/admin/cache/purge", "POST"],
  ])("method %s %s returns 405 with Allow", async (method, path, allowed) => {
    const response = await call(method, path);

    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe(allowed);
    expect(response.headers.get("X-Request-ID")).toEqual(expect.any(String));
    expect(t.upstream.calls).toHaveLength(0);
  });
});
