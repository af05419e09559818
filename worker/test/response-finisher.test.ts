import { describe, expect, it } from "vitest";
import { createRequestContext, type GatewayRequest } from "../src/request-context";
import { finishResponse } from "../src/response-finisher";
import { GATEWAY_ORIGIN } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

useGatewayTest();

function finishedRequest(): GatewayRequest {
  const request = new Request(`${GATEWAY_ORIGIN}/health`) as GatewayRequest;
  request.context = createRequestContext("finisher-test");
  return request;
}

describe("response finisher", () => {
  it("sets headers on a mutable response in place", () => {
    const response = Response.json({ status: "ok" });

    const finished = finishResponse(response, finishedRequest());

    expect(finished).toBe(response);
    expect(finished.headers.get("X-Request-ID")).toBe("finisher-test");
    expect(finished.headers.get("Server-Timing")).toMatch(/total;dur=/);
  });

  it("copies a response whose headers are immutable", async () => {
    // Response.redirect() has immutable headers, like a Response returned by fetch().
    const response = Response.redirect("https://example.test/next", 302);

    const finished = finishResponse(response, finishedRequest());

    expect(finished).not.toBe(response);
    expect(finished.status).toBe(302);
    expect(finished.headers.get("Location")).toBe("https://example.test/next");
    expect(finished.headers.get("X-Request-ID")).toBe("finisher-test");
    expect(finished.headers.get("Server-Timing")).toMatch(/total;dur=/);
  });
});
