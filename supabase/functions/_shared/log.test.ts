import { strictEqual } from "node:assert/strict";
import { hashTokenForLog } from "./hash.ts";
import { maskPhoneNumber } from "./log.ts";

for (const [input, masked] of [
  ["5511987654321", "***4321"],
  ["+55 (11) 98765-4321", "***4321"],
  ["5511987654321@s.whatsapp.net", "***4321"],
  ["120363025246125486@g.us", "***5486"],
  ["12345", "***2345"],
  ["1234", "***"],
  ["", "***"],
] as const) {
  Deno.test(`maskPhoneNumber masks "${input}"`, () => {
    strictEqual(maskPhoneNumber(input), masked);
  });
}

Deno.test("hashTokenForLog keeps 8 hex characters of SHA-256", async () => {
  // SHA-256("abc123") starts with 6ca13d52.
  strictEqual(await hashTokenForLog("abc123"), "6ca13d52");
});
