import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { expectLookupOf } from "./helpers/upstream";

const t = useGatewayTest();

interface SentHeaders {
  token?: string;
  auth?: string;
}

function requestWith(sent: SentHeaders): Request {
  const headers = sent.auth === undefined ? undefined : { Authorization: sent.auth };
  return sendTextRequest({ token: sent.token ?? null, headers });
}

const TOKEN_SENT_TWICE = "token header: sent more than once; send exactly one token";
const AUTHORIZATION_SENT_TWICE =
  "Authorization header: sent more than once; send exactly one token";
const PRINTABLE_ONLY =
  "the token must contain only printable ASCII characters, without white space or control characters";

describe("token extraction", () => {
  it("missing token returns 401 missing_token", async () => {
    const response = await callGateway(sendTextRequest({ token: null }));

    await expectError(
      response,
      401,
      "missing_token",
      "Missing token: send the instance token in the token header or as Authorization: Bearer <token>",
    );
    expect(t.upstream.calls).toHaveLength(0);
  });

  it.each<[string, SentHeaders, string]>([
    ["empty", { token: "" }, "token header: the token is empty"],
    ["only white space", { token: "   " }, "token header: the token is empty"],
    [
      "longer than 256 characters",
      { token: "a".repeat(257) },
      "token header: the token is longer than 256 characters",
    ],
    ["inner space", { token: "abc 123" }, `token header: ${PRINTABLE_ONLY}`],
    ["comma and space inside", { token: "abc123, def456" }, TOKEN_SENT_TWICE],
    ["comma and space after an empty value", { token: ", abc123" }, TOKEN_SENT_TWICE],
    ["space before a comma", { token: "abc123 ,abc123" }, `token header: ${PRINTABLE_ONLY}`],
    ["tab inside", { token: "abc\t123" }, `token header: ${PRINTABLE_ONLY}`],
    ["control character", { token: "abc\u0001123" }, `token header: ${PRINTABLE_ONLY}`],
    ["DEL character", { token: "abc\u007f123" }, `token header: ${PRINTABLE_ONLY}`],
    ["empty Bearer", { auth: "Bearer " }, "Authorization header: the token is empty"],
    [
      "Bearer with inner space",
      { auth: "Bearer abc 123" },
      `Authorization header: ${PRINTABLE_ONLY}`,
    ],
    ["Bearer joined twice", { auth: "Bearer abc123, Bearer abc123" }, AUTHORIZATION_SENT_TWICE],
    ["Basic joined with Bearer", { auth: "Basic YWJj, Bearer abc123" }, AUTHORIZATION_SENT_TWICE],
    [
      "Basic scheme",
      { auth: "Basic YWJjOjEyMw==" },
      "Authorization header: must use the Bearer scheme, as in Authorization: Bearer <token>",
    ],
    [
      "both headers with different tokens",
      { token: "abc123", auth: "Bearer def456" },
      "The token and Authorization headers contain different tokens; send one token",
    ],
  ])("malformed token (%s) returns 401 without a lookup", async (_case, sent, message) => {
    const response = await callGateway(requestWith(sent));

    await expectError(response, 401, "invalid_token", message);
    expect(t.upstream.calls).toHaveLength(0);
  });

  it("duplicated Authorization header returns 401 without a lookup", async () => {
    const request = sendTextRequest({ token: null });
    request.headers.append("Authorization", "Bearer abc123");
    request.headers.append("Authorization", "Bearer abc123");

    const response = await callGateway(request);

    expect(request.headers.get("Authorization")).toBe("Bearer abc123, Bearer abc123");
    await expectError(response, 401, "invalid_token", AUTHORIZATION_SENT_TWICE);
    expect(t.upstream.calls).toHaveLength(0);
  });

  it("duplicated token header returns 401 without a lookup", async () => {
    const request = sendTextRequest({ token: null });
    request.headers.append("token", "abc123");
    request.headers.append("token", "abc123");

    const response = await callGateway(request);

    expect(request.headers.get("token")).toBe("abc123, abc123");
    await expectError(response, 401, "invalid_token", TOKEN_SENT_TWICE);
    expect(t.upstream.calls).toHaveLength(0);
  });

  it.each<[string, SentHeaders]>([
    ["token header", { token: "abc123" }],
    ["token header with surrounding spaces", { token: "  abc123  " }],
    ["Bearer form", { auth: "Bearer abc123" }],
    ["lowercase bearer", { auth: "bearer abc123" }],
    ["both headers with the same token", { token: "abc123", auth: "Bearer abc123" }],
  ])("accepts the %s", async (_case, sent) => {
    const response = await callGateway(requestWith(sent));

    expect(response.status).toBe(200);
    await expectLookupOf(t.upstream.postgrestCalls()[0], "abc123");
    expect(t.upstream.sendTextCalls()[0]?.headers.get("token")).toBe("abc123");
  });

  it("256-character token reaches the lookup", async () => {
    const response = await callGateway(sendTextRequest({ token: "x".repeat(256) }));

    await expectError(
      response,
      401,
      "invalid_token",
      "Invalid token: no WhatsApp instance has this token",
    );
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
  });
});
