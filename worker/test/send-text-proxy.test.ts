import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import {
  callGateway,
  sendTextRequest,
  TEST_GATEWAY_SECRET,
  TEST_SERVICE_ROLE_KEY,
  TEST_SUPABASE_URL,
  testEnv,
} from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { hangUntilAborted, INSTANCE_ROWS, type UpstreamHandler } from "./helpers/upstream";

const t = useGatewayTest();

const UNEXPECTED = "The send-text function returned an unexpected response; try again later";
const UNREACHABLE = "The send-text function could not be reached";

function answer(body: unknown, status: number, headers?: HeadersInit): UpstreamHandler {
  return () =>
    typeof body === "string"
      ? new Response(body, { status, headers })
      : Response.json(body, { status, headers });
}

function functionError(code: string, message: string) {
  return { error: { code, message }, requestId: "req-proxy-1" };
}

describe("send-text proxy", () => {
  it("forwards the normalised body with the contract headers", async () => {
    const request = sendTextRequest({
      headers: { "X-Request-ID": "req-proxy-1" },
      body: { number: "+55 (11) 99999-9999", text: "Olá, tudo bem?" },
    });

    const response = await callGateway(request);

    expect(response.status).toBe(200);
    const [call] = t.upstream.sendTextCalls();
    expect(call?.method).toBe("POST");
    expect(call?.url.href).toBe(`${TEST_SUPABASE_URL}/functions/v1/send-text`);
    expect(call?.body).toBe('{"number":"5511999999999","text":"Olá, tudo bem?"}');
    expect(Object.fromEntries(call?.headers ?? [])).toEqual({
      "content-type": "application/json",
      apikey: TEST_SERVICE_ROLE_KEY,
      authorization: `Bearer ${TEST_SERVICE_ROLE_KEY}`,
      token: "abc123",
      "x-instance-id": INSTANCE_ROWS.abc123?.id,
      "x-gateway-secret": TEST_GATEWAY_SECRET,
      "x-request-id": "req-proxy-1",
    });
  });

  it("forwards a JID unchanged", async () => {
    const number = "120363025246125486@g.us";

    await callGateway(sendTextRequest({ body: { number, text: "hi group" } }));

    expect(JSON.parse(t.upstream.sendTextCalls()[0]?.body ?? "{}").number).toBe(number);
  });

  it("relays the function's success answer", async () => {
    const response = await callGateway(
      sendTextRequest({ headers: { "X-Request-ID": "req-ok-1" } }),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-ID")).toBe("req-ok-1");
    expect(await response.json()).toEqual({
      status: "sent",
      messageId: "3EB0C767D26A1D8A7C41",
      requestId: "req-ok-1",
    });
  });

  it.each<[string, number, string, Record<string, string>]>([
    ["recipient rejected", 422, "recipient_rejected", {}],
    ["instance disconnected", 401, "instance_disconnected", {}],
    ["invalid token", 401, "invalid_token", {}],
    ["provider rate limit", 429, "provider_rate_limited", { "Retry-After": "7" }],
    ["provider disconnected", 503, "provider_disconnected", { "Retry-After": "1" }],
    ["provider error", 502, "provider_error", {}],
    ["provider timeout", 504, "provider_timeout", {}],
  ])("relays the function's %s error", async (_case, status, code, headers) => {
    const body = functionError(code, `Function says ${code}`);
    t.upstream.onSendText(answer(body, status, headers));

    const response = await callGateway(sendTextRequest());

    expect(response.status).toBe(status);
    expect(response.headers.get("Retry-After")).toBe(headers["Retry-After"] ?? null);
    expect(await response.json()).toEqual(body);
  });

  it.each<[string, UpstreamHandler, string]>([
    [
      "a gateway secret rejection",
      answer(functionError("invalid_gateway_secret", "bad"), 401),
      UNEXPECTED,
    ],
    ["a 403 in the project shape", answer(functionError("forbidden", "no"), 403), UNEXPECTED],
    ["a platform JWT error", answer({ msg: "Invalid JWT" }, 401), UNEXPECTED],
    ["an HTML error page", answer("<html>Bad Gateway</html>", 502), UNEXPECTED],
    ["a platform 500 without JSON", answer("Internal Server Error", 500), UNEXPECTED],
    ["a 200 that is not a send result", answer({ ok: true }, 200), UNEXPECTED],
    [
      "an error body with status 200",
      answer(functionError("provider_error", "x"), 200),
      UNEXPECTED,
    ],
    [
      "a network error",
      () => Promise.reject(new TypeError("Network connection lost.")),
      UNREACHABLE,
    ],
  ])("turns %s into 502 upstream_error", async (_case, handler, message) => {
    t.upstream.onSendText(handler);

    const response = await callGateway(sendTextRequest());

    await expectError(response, 502, "upstream_error", message);
    expect(t.logs.events("send_text_failed")).toHaveLength(1);
  });

  it("times out after SEND_TEXT_TIMEOUT_MS with 504", async () => {
    t.upstream.onSendText(hangUntilAborted);

    const response = await callGateway(sendTextRequest(), testEnv({ SEND_TEXT_TIMEOUT_MS: "30" }));

    await expectError(
      response,
      504,
      "upstream_timeout",
      "The send-text function timed out; the message may or may not have been sent",
    );
    const [logged] = t.logs.events("send_text_failed");
    expect(logged).toMatchObject({ level: "error", reason: "timeout", recipient: "***9999" });
  });
});
