import { strictEqual } from "node:assert/strict";
import { timingSafeEqual } from "./constant-time.ts";

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
