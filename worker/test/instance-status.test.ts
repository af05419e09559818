import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

describe("instance status", () => {
  it("unknown token returns 401 invalid_token", async () => {
    const response = await callGateway(sendTextRequest({ token: "no-such-token" }));

    await expectError(
      response,
      401,
      "invalid_token",
      "Invalid token: no WhatsApp instance has this token",
    );
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("disconnected instance returns 401 instance_disconnected", async () => {
    const response = await callGateway(sendTextRequest({ token: "ghi789" }));

    await expectError(response, 401, "instance_disconnected", "Instance is disconnected");
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("connecting instance returns 401 instance_disconnected", async () => {
    const response = await callGateway(sendTextRequest({ token: "jkl321" }));

    await expectError(
      response,
      401,
      "instance_disconnected",
      "Instance is still connecting; retry once it is connected",
    );
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("connected instance is forwarded", async () => {
    const response = await callGateway(sendTextRequest({ token: "abc123" }));

    expect(response.status).toBe(200);
    expect(t.upstream.sendTextCalls()).toHaveLength(1);
  });

  it.each([
    ["unknown token", "no-such-token", "invalid_token"],
    ["disconnected instance", "ghi789", "instance_disconnected"],
  ])("%s gets 401 whatever the body", async (_case, token, code) => {
    const request = sendTextRequest({
      token,
      rawBody: "x".repeat(400 * 1024),
      headers: { "Content-Type": "text/plain" },
    });

    const response = await callGateway(request);

    await expectError(response, 401, code);
  });
});
