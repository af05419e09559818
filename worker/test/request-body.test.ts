import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/request-body";
import { expectError } from "./helpers/assertions";
import {
  callGateway,
  GATEWAY_ORIGIN,
  type SendTextRequestOptions,
  sendTextRequest,
} from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const NUMBER_FORMAT = "number: must be 7 to 15 digits with the country code, or a WhatsApp JID";
const BLANK_TEXT =
  "text: must not be blank (white space, control, format and filler characters alone count as blank)";

/** Returns a stream of `totalBytes` spaces in 16 KiB chunks, so no Content-Length is set. */
function streamOfBytes(totalBytes: number): ReadableStream<Uint8Array> {
  let sentBytes = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sentBytes >= totalBytes) {
        controller.close();
        return;
      }
      const chunk = new Uint8Array(Math.min(16 * 1024, totalBytes - sentBytes)).fill(0x20);
      sentBytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

function postWithStream(totalBytes: number): Request {
  return new Request(`${GATEWAY_ORIGIN}/whatsapp/send-text`, {
    method: "POST",
    headers: { token: "abc123" },
    body: streamOfBytes(totalBytes),
  });
}

describe("request body", () => {
  it.each<[string, SendTextRequestOptions, number, string, string]>([
    [
      "text/plain Content-Type",
      { headers: { "Content-Type": "text/plain" } },
      415,
      "unsupported_media_type",
      "Content-Type header: must be application/json (or left out)",
    ],
    [
      "form Content-Type",
      { headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      415,
      "unsupported_media_type",
      "Content-Type header: must be application/json (or left out)",
    ],
    [
      "declared size over the limit",
      { headers: { "Content-Length": String(MAX_BODY_BYTES + 1) } },
      413,
      "payload_too_large",
      `Request body: larger than the limit of ${MAX_BODY_BYTES} bytes`,
    ],
    [
      "actual size over the limit",
      { rawBody: `{"number":"5511999999999","text":"${"a".repeat(MAX_BODY_BYTES)}"}` },
      413,
      "payload_too_large",
      `Request body: larger than the limit of ${MAX_BODY_BYTES} bytes`,
    ],
    [
      "empty body",
      { rawBody: "" },
      400,
      "invalid_json",
      "Request body: is empty; send a JSON object with number and text",
    ],
    [
      "invalid JSON",
      { rawBody: '{"number": "5511999999999",' },
      400,
      "invalid_json",
      "Request body: is not valid JSON",
    ],
    [
      "invalid UTF-8",
      { rawBody: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) },
      400,
      "invalid_json",
      "Request body: is not valid UTF-8",
    ],
    [
      "JSON array",
      { body: [] },
      400,
      "invalid_body",
      "body: must be a JSON object with number and text",
    ],
    ["JSON null", { rawBody: "null" }, 400, "invalid_body", "body: must be a JSON object"],
    ["JSON string", { body: "5511999999999" }, 400, "invalid_body", "body: must be a JSON object"],
    ["empty object", { body: {} }, 400, "invalid_body", "number: is required; text: is required"],
    [
      "missing text",
      { body: { number: "5511999999999" } },
      400,
      "invalid_body",
      "text: is required",
    ],
    [
      "unknown field",
      { body: { number: "5511999999999", text: "hi", delay: 5 } },
      400,
      "invalid_body",
      "delay: unknown field; only number and text are accepted",
    ],
    [
      "numeric number",
      { body: { number: 5511999999999, text: "hi" } },
      400,
      "invalid_body",
      "number: must be a string",
    ],
    [
      "too few digits",
      { body: { number: "551199", text: "hi" } },
      400,
      "invalid_body",
      NUMBER_FORMAT,
    ],
    [
      "too many digits",
      { body: { number: "5511999999999999", text: "hi" } },
      400,
      "invalid_body",
      NUMBER_FORMAT,
    ],
    [
      "letters in the number",
      { body: { number: "55119999x9999", text: "hi" } },
      400,
      "invalid_body",
      NUMBER_FORMAT,
    ],
    [
      "numeric text",
      { body: { number: "5511999999999", text: 42 } },
      400,
      "invalid_body",
      "text: must be a string",
    ],
    [
      "blank text",
      { body: { number: "5511999999999", text: " \n\t " } },
      400,
      "invalid_body",
      BLANK_TEXT,
    ],
    [
      "text over 65,536 code points",
      { body: { number: "5511999999999", text: "a".repeat(65_537) } },
      400,
      "invalid_body",
      "text: must be at most 65536 characters (Unicode code points)",
    ],
    [
      "text with an unpaired surrogate",
      { body: { number: "5511999999999", text: "hi \ud800" } },
      400,
      "invalid_body",
      "text: must not contain unpaired surrogates",
    ],
    [
      "two bad fields",
      { body: { number: "12", text: "" } },
      400,
      "invalid_body",
      `${NUMBER_FORMAT}; ${BLANK_TEXT}`,
    ],
  ])("rejects %s", async (_case, options, status, code, message) => {
    const response = await callGateway(sendTextRequest(options));

    await expectError(response, status, code, message);
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("rejects a streamed body over the limit", async () => {
    const request = postWithStream(MAX_BODY_BYTES + 1);
    expect(request.headers.get("Content-Length")).toBeNull();

    const response = await callGateway(request);

    await expectError(response, 413, "payload_too_large");
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("reads a streamed body at the limit", async () => {
    const response = await callGateway(postWithStream(MAX_BODY_BYTES));

    await expectError(response, 400, "invalid_json", "Request body: is not valid JSON");
  });

  it("shortens a long unknown field name in the message", async () => {
    const longName = "f".repeat(100);

    const response = await callGateway(
      sendTextRequest({ body: { number: "5511999999999", text: "hi", [longName]: 1 } }),
    );

    await expectError(
      response,
      400,
      "invalid_body",
      `${"f".repeat(64)}...: unknown field; only number and text are accepted`,
    );
  });

  it.each<[string, SendTextRequestOptions]>([
    ["without a Content-Type", { headers: { "Content-Type": "" } }],
    [
      "with a charset parameter",
      { headers: { "Content-Type": "application/json; charset=utf-8" } },
    ],
    ["with an upper-case media type", { headers: { "Content-Type": "Application/JSON" } }],
    [
      "with a byte order mark",
      { rawBody: `\ufeff${JSON.stringify({ number: "5511999999999", text: "hi" })}` },
    ],
  ])("accepts a body %s", async (_case, options) => {
    const request = sendTextRequest(options);
    if (options.headers?.["Content-Type"] === "") {
      request.headers.delete("Content-Type");
    }

    const response = await callGateway(request);

    expect(response.status).toBe(200);
    expect(t.upstream.sendTextCalls()).toHaveLength(1);
  });

  it("accepts 65,536 emoji of 4 bytes each", async () => {
    const text = "😀".repeat(65_536);

    const response = await callGateway(
      sendTextRequest({ body: { number: "5511999999999", text } }),
    );

    expect(response.status).toBe(200);
    expect(JSON.parse(t.upstream.sendTextCalls()[0]?.body ?? "{}").text).toBe(text);
  });

  it("accepts 65,536 emoji escaped as surrogate pairs", async () => {
    const text = "😀".repeat(65_536);
    // The form Python's json.dumps writes by default: ASCII only, ", " and ": " as separators.
    const rawBody = `{"number": "5511999999999", "text": "${"\\ud83d\\ude00".repeat(65_536)}"}`;
    expect(rawBody).toHaveLength(786_471);

    const response = await callGateway(sendTextRequest({ rawBody }));

    expect(response.status).toBe(200);
    const forwarded = t.upstream.sendTextCalls();
    expect(forwarded).toHaveLength(1);
    const forwardedBody = forwarded[0]?.body ?? "";
    expect(forwardedBody).toBe(JSON.stringify({ number: "5511999999999", text }));
    // 4 UTF-8 bytes per emoji plus the 36 bytes of {"number":"5511999999999","text":""}.
    expect(new TextEncoder().encode(forwardedBody).byteLength).toBe(4 * 65_536 + 36);
  });

  it("rejects 65,537 escaped emoji as too long, not too large", async () => {
    const rawBody = `{"number": "5511999999999", "text": "${"\\ud83d\\ude00".repeat(65_537)}"}`;

    const response = await callGateway(sendTextRequest({ rawBody }));

    await expectError(
      response,
      400,
      "invalid_body",
      "text: must be at most 65536 characters (Unicode code points)",
    );
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });
});
