import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { StandInResponder } from "../_testing/stand-in-server.ts";
import { MAX_PROVIDER_RESPONSE_BYTES } from "./provider.ts";
import { RECIPIENT, REQUEST_ID, sendRequest, withHarness } from "./test-harness.ts";

const MESSAGE_ID = "3EB0A1B2C3D4E5F6";
const MAX_TEXT_CODE_POINTS = 65_536;

/** Replies like uazapi with the message id and `escapedText`, already escaped for JSON. */
function echoingProvider(escapedText: string): StandInResponder {
  const body = `{"id":"r1a2b3c4","messageid":"${MESSAGE_ID}","text":"${escapedText}","status":"Pending"}`;
  return () => new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
}

async function sendAndExpectSent(
  provider: StandInResponder,
  text: string,
  expected: { messageId: string | null; events: string[] },
): Promise<void> {
  await withHarness({ provider }, async ({ handle, logs }) => {
    const body = JSON.stringify({ number: RECIPIENT, text });
    const response = await handle(sendRequest({ body }));

    strictEqual(response.status, 200);
    deepStrictEqual(await response.json(), {
      status: "sent",
      messageId: expected.messageId,
      requestId: REQUEST_ID,
    });
    deepStrictEqual(
      logs.map((line) => line.event),
      expected.events,
    );
  });
}

Deno.test("reply of about 300 KiB is read whole", async () => {
  const text = "y".repeat(300 * 1024);

  await sendAndExpectSent(echoingProvider(text), text, {
    messageId: MESSAGE_ID,
    events: ["send_text.sent"],
  });
});

Deno.test("reply echoing 65,536 escaped code points is read whole", async () => {
  const text = "\u{1F600}".repeat(MAX_TEXT_CODE_POINTS);
  // Every code point as an escaped surrogate pair, 12 bytes: the longest JSON form of the text.
  const escapedText = "\\ud83d\\ude00".repeat(MAX_TEXT_CODE_POINTS);
  strictEqual(escapedText.length, 786_432);

  await sendAndExpectSent(echoingProvider(escapedText), text, {
    messageId: MESSAGE_ID,
    events: ["send_text.sent"],
  });
});

Deno.test("reply over the read limit is sent and logged", async () => {
  const text = "y".repeat(MAX_PROVIDER_RESPONSE_BYTES);

  await withHarness({ provider: echoingProvider(text) }, async ({ handle, logs }) => {
    const response = await handle(sendRequest());

    strictEqual(response.status, 200);
    deepStrictEqual(await response.json(), {
      status: "sent",
      messageId: null,
      requestId: REQUEST_ID,
    });
    strictEqual(logs[0]?.event, "send_text.provider_reply_unreadable");
    strictEqual(logs[0]?.reason, "too_large");
    strictEqual(logs[0]?.bodyBytes, MAX_PROVIDER_RESPONSE_BYTES);
    strictEqual(logs[1]?.event, "send_text.sent");
  });
});
