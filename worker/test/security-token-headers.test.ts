import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN, sendTextRequest } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { expectLookupOf } from "./helpers/upstream";

const t = useGatewayTest();

const MISSING =
  "Missing token: send the instance token in the token header or as Authorization: Bearer <token>";

/** Builds a send request whose headers are appended in order, so a name may repeat. */
function requestWithHeaders(headers: Array<[string, string]>, path = "/whatsapp/send-text") {
  const request = sendTextRequest({ token: null });
  for (const [name, value] of headers) {
    request.headers.append(name, value);
  }
  return new Request(`${GATEWAY_ORIGIN}${path}`, request);
}

describe("token headers", () => {
  it.each<[string, Array<[string, string]>, string]>([
    [
      "Authorization sent twice",
      [
        ["Authorization", "Bearer abc123"],
        ["Authorization", "Bearer abc123"],
      ],
      "Authorization header: sent more than once; send exactly one token",
    ],
    [
      "token sent twice with different values",
      [
        ["token", "abc123"],
        ["token", "def456"],
      ],
      "token header: sent more than once; send exactly one token",
    ],
    [
      "a token joined by a proxy",
      [["token", "abc123,def456"]],
      "Invalid token: no WhatsApp instance has this token",
    ],
    [
      "Bearer without a space",
      [["Authorization", "Bearerabc123"]],
      "Authorization header: must use the Bearer scheme, as in Authorization: Bearer <token>",
    ],
    [
      "a valid token beside a wrong Bearer",
      [
        ["token", "abc123"],
        ["Authorization", "Bearer abc124"],
      ],
      "The token and Authorization headers contain different tokens; send one token",
    ],
  ])("%s returns 401", async (_case, headers, message) => {
    const response = await callGateway(requestWithHeaders(headers));

    await expectError(response, 401, "invalid_token", message);
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("comma-joined token is looked up as one digest", async () => {
    await callGateway(requestWithHeaders([["token", "abc123,def456"]]));

    await expectLookupOf(t.upstream.postgrestCalls()[0], "abc123,def456");
    expect(t.upstream.postgrestCalls()[0]?.url.searchParams.get("instance_token_sha256")).toBe(
      "eq.a888e5f94611b378704ea3c750bcbc3a77899d37e71485c9b8a43a072b2ed158",
    );
  });

  it.each<[string, Array<[string, string]>, string]>([
    ["a token in the query string", [], "/whatsapp/send-text?token=abc123"],
    ["a token in a cookie", [["Cookie", "token=abc123"]], "/whatsapp/send-text"],
    ["a token in X-Token", [["X-Token", "abc123"]], "/whatsapp/send-text"],
    ["a token in apikey", [["apikey", "abc123"]], "/whatsapp/send-text"],
  ])("%s is ignored", async (_case, headers, path) => {
    const response = await callGateway(requestWithHeaders(headers, path));

    await expectError(response, 401, "missing_token", MISSING);
    expect(t.upstream.calls).toHaveLength(0);
  });

  it("token in the body is ignored", async () => {
    const request = sendTextRequest({
      token: null,
      body: { number: "5511999999999", text: "hi", token: "abc123" },
    });

    const response = await callGateway(request);

    await expectError(response, 401, "missing_token", MISSING);
    expect(t.upstream.calls).toHaveLength(0);
  });
});
