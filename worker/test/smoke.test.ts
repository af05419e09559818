import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers", async () => {
  const res = await exports.default.fetch("http://gateway.test/health");
  expect(res.status).toBe(200);
  await env.TOKEN_CACHE.put("a", "b");
  expect(await env.TOKEN_CACHE.get("a")).toBe("b");
});
