import { strictEqual } from "node:assert/strict";
import { headerMatchesSecret, timingSafeEqual } from "./constant-time.ts";

Deno.test("timingSafeEqual accepts equal strings", async () => {
  strictEqual(
    await timingSafeEqual("local-gateway-shared-secret", "local-gateway-shared-secret"),
    true,
  );
  strictEqual(await timingSafeEqual("", ""), true);
  strictEqual(await timingSafeEqual("çãõ🙂", "çãõ🙂"), true);
});

for (const [description, actual, expected] of [
  ["different case", "Secret", "secret"],
  ["a prefix", "secre", "secret"],
  ["a longer value", "secret!", "secret"],
  ["an empty value", "", "secret"],
  ["a different last character", "secreT", "secret"],
] as const) {
  Deno.test(`timingSafeEqual rejects ${description}`, async () => {
    strictEqual(await timingSafeEqual(actual, expected), false);
  });
}

Deno.test("headerMatchesSecret accepts the exact secret", async () => {
  const headers = new Headers({ "X-Webhook-Secret": "local-webhook-secret" });

  strictEqual(await headerMatchesSecret(headers, "x-webhook-secret", "local-webhook-secret"), true);
});

for (const [description, value] of [
  ["a missing header", null],
  ["an empty header", ""],
  ["a differently cased value", "LOCAL-WEBHOOK-SECRET"],
  ["a wrong value", "local-webhook-secreT"],
] as const) {
  Deno.test(`headerMatchesSecret rejects ${description}`, async () => {
    const headers = new Headers(value === null ? {} : { "X-Webhook-Secret": value });

    strictEqual(
      await headerMatchesSecret(headers, "X-Webhook-Secret", "local-webhook-secret"),
      false,
    );
  });
}

Deno.test("headerMatchesSecret rejects a missing header for an empty secret", async () => {
  strictEqual(await headerMatchesSecret(new Headers(), "X-Webhook-Secret", ""), false);
});
