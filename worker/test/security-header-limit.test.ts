import { Router } from "itty-router";
import { describe, expect, it } from "vitest";
import { handleError } from "../src/error-handler";
import { GatewayError } from "../src/errors";
import {
  checkRequestHeaderSize,
  MAX_REQUEST_HEADER_BYTES,
  measureHeaderBytes,
  withHeaderLimit,
} from "../src/header-limit";
import { type GatewayRequest, withRequestContext } from "../src/request-context";
import { finishResponse } from "../src/response-finisher";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN, sendTextRequest } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const TOO_LARGE = `Request headers: larger than the limit of ${MAX_REQUEST_HEADER_BYTES} bytes in total; send fewer or shorter headers`;

/** Returns headers whose measured size is exactly `totalBytes`, in one X-Padding header. */
function headersOfSize(totalBytes: number): Headers {
  const overhead = "x-padding".length + 4;
  return new Headers({ "X-Padding": "p".repeat(totalBytes - overhead) });
}

// The gateway's middleware order with the limit after the request context, as index.ts would
// wire it, in front of a route that records whether it ran.
function routerWithHeaderLimit(routeCalls: string[]) {
  const router = Router<GatewayRequest, []>({
    before: [withRequestContext, withHeaderLimit],
    catch: handleError,
    finally: [finishResponse],
  });
  router.get("/probe", () => {
    routeCalls.push("probe");
    return Response.json({ status: "ok" });
  });
  return router;
}

describe("request header limit", () => {
  it("counts name, value and 4 bytes per line", () => {
    expect(measureHeaderBytes(new Headers({ a: "bc" }))).toBe(7);
    expect(measureHeaderBytes(new Headers({ a: "bc", de: "f" }))).toBe(14);
  });

  it("counts a repeated header in its joined form", () => {
    const headers = new Headers();
    headers.append("token", "abc");
    headers.append("token", "abc");

    expect(headers.get("token")).toBe("abc, abc");
    expect(measureHeaderBytes(headers)).toBe("token".length + "abc, abc".length + 4);
  });

  // Headers this large exceed the quick length-based bound, so the exact byte count decides.
  it("accepts headers at the limit", () => {
    const headers = headersOfSize(MAX_REQUEST_HEADER_BYTES);

    expect(measureHeaderBytes(headers)).toBe(MAX_REQUEST_HEADER_BYTES);
    expect(() => checkRequestHeaderSize(headers)).not.toThrow();
  });

  it("rejects one byte over the limit with 431", () => {
    let thrown: unknown;
    try {
      checkRequestHeaderSize(headersOfSize(MAX_REQUEST_HEADER_BYTES + 1));
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ code: "headers_too_large", status: 431, message: TOO_LARGE });
  });

  it("leaves room for a normal send", () => {
    const request = sendTextRequest({
      headers: { Authorization: `Bearer ${"t".repeat(256)}`, "X-Request-ID": "r".repeat(64) },
    });

    expect(measureHeaderBytes(request.headers)).toBeLessThan(1024);
  });

  it("returns 431 in the error shape before the route", async () => {
    const routeCalls: string[] = [];
    const headers = headersOfSize(MAX_REQUEST_HEADER_BYTES + 1);
    headers.set("X-Request-ID", "req-431");

    const response = await routerWithHeaderLimit(routeCalls).fetch(
      new Request(`${GATEWAY_ORIGIN}/probe`, { headers }),
    );

    await expectError(response, 431, "headers_too_large", TOO_LARGE);
    expect(response.headers.get("X-Request-ID")).toBe("req-431");
    expect(routeCalls).toEqual([]);
  });

  it("lets headers within the limit reach the route", async () => {
    const routeCalls: string[] = [];

    const response = await routerWithHeaderLimit(routeCalls).fetch(
      new Request(`${GATEWAY_ORIGIN}/probe`, { headers: headersOfSize(MAX_REQUEST_HEADER_BYTES) }),
    );

    expect(response.status).toBe(200);
    expect(routeCalls).toEqual(["probe"]);
  });

  it("rejects oversized headers on the gateway before any lookup", async () => {
    const request = sendTextRequest({
      headers: { "X-Padding": "p".repeat(MAX_REQUEST_HEADER_BYTES) },
    });

    const response = await callGateway(request);

    await expectError(response, 431, "headers_too_large", TOO_LARGE);
    expect(t.upstream.calls).toHaveLength(0);
  });
});
