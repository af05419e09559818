import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_PURGE_BODY_BYTES } from "../src/routes/cache-purge";
import { purgeRequest } from "./helpers/admin";
import { expectError } from "./helpers/assertions";
import { callGateway } from "./helpers/gateway";
import { cacheKeyOf, tokenHashOf } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";

useGatewayTest();

const NOT_AN_OBJECT = "body: must be a JSON object with tokens, or with all set to true";
const PRINTABLE =
  "the token must contain only printable ASCII characters, without white space or control characters";
const LIMIT = "must be a whole number from 1 to 500";
const TOKENS_ONLY = "unknown field; a purge by token accepts only tokens";
const ALL_ONLY = "unknown field; a purge of all keys accepts only all, cursor and limit";

const TWELVE_EMPTY_TOKENS = `${Array.from(
  { length: 10 },
  (_unused, i) => `tokens[${i}]: the token is empty`,
).join("; ")}; and 2 more problems`;

const manyTokens = (count: number) => Array.from({ length: count }, (_unused, i) => `t-${i}`);

describe("purge body", () => {
  it.each<[string, unknown, string]>([
    ["an array", ["abc123"], NOT_AN_OBJECT],
    ["a JSON string", JSON.stringify("just text"), NOT_AN_OBJECT],
    ["null", null, NOT_AN_OBJECT],
    [
      "an empty object",
      {},
      "body: must contain tokens (an array of 1 to 100 tokens) or all set to true",
    ],
    [
      "tokens and all",
      { tokens: ["abc123"], all: true },
      "body: send either tokens or all, not both",
    ],
    ["tokens as a string", { tokens: "abc123" }, "tokens: must be an array of 1 to 100 tokens"],
    ["tokens as null", { tokens: null }, "tokens: must be an array of 1 to 100 tokens"],
    ["no tokens", { tokens: [] }, "tokens: must contain at least 1 token"],
    ["101 tokens", { tokens: manyTokens(101) }, "tokens: must contain at most 100 tokens"],
    ["a number token", { tokens: ["abc123", 42] }, "tokens[1]: must be a string"],
    ["an empty token", { tokens: ["abc123", ""] }, "tokens[1]: the token is empty"],
    ["a blank token", { tokens: ["   "] }, "tokens[0]: the token is empty"],
    ["a token with a space", { tokens: ["abc 123"] }, `tokens[0]: ${PRINTABLE}`],
    ["a token with a tab", { tokens: ["abc\t123"] }, `tokens[0]: ${PRINTABLE}`],
    ["a non-ASCII token", { tokens: ["tokén"] }, `tokens[0]: ${PRINTABLE}`],
    [
      "a 257-character token",
      { tokens: ["x".repeat(257)] },
      "tokens[0]: the token is longer than 256 characters",
    ],
    [
      "several bad tokens",
      { tokens: ["", "ok", 7] },
      "tokens[0]: the token is empty; tokens[2]: must be a string",
    ],
    ["twelve bad tokens", { tokens: Array(12).fill("") }, TWELVE_EMPTY_TOKENS],
    [
      "an unknown field beside tokens",
      { tokens: ["abc123"], force: true },
      `force: ${TOKENS_ONLY}`,
    ],
    ["all set to false", { all: false }, "all: must be true"],
    ["all as a string", { all: "true" }, "all: must be true"],
    ["a limit of 0", { all: true, limit: 0 }, `limit: ${LIMIT}`],
    ["a limit of 501", { all: true, limit: 501 }, `limit: ${LIMIT}`],
    ["a fractional limit", { all: true, limit: 2.5 }, `limit: ${LIMIT}`],
    ["a limit as a string", { all: true, limit: "10" }, `limit: ${LIMIT}`],
    [
      "an empty cursor",
      { all: true, cursor: "" },
      "cursor: must not be empty; leave it out to start from the first key",
    ],
    ["a number cursor", { all: true, cursor: 5 }, "cursor: must be a string"],
    [
      "a 4097-character cursor",
      { all: true, cursor: "c".repeat(4097) },
      "cursor: must be at most 4096 characters",
    ],
    ["an unknown field beside all", { all: true, dryRun: true }, `dryRun: ${ALL_ONLY}`],
  ])("rejects %s with 400 naming the field", async (_case, body, message) => {
    const key = await cacheKeyOf("abc123");
    await env.TOKEN_CACHE.put(key, JSON.stringify({ version: 1, instance: null }));

    const response = await callGateway(purgeRequest(body));

    await expectError(response, 400, "invalid_body", message);
    expect(await env.TOKEN_CACHE.get(key)).not.toBeNull();
  });

  it.each<[string, string, Record<string, string>, number, string, string]>([
    ["invalid JSON", "{oops", {}, 400, "invalid_json", "Request body: is not valid JSON"],
    [
      "an empty body",
      "",
      {},
      400,
      "invalid_json",
      'Request body: is empty; send {"tokens": [...]} with 1 to 100 tokens, or {"all": true}',
    ],
    [
      "a text/plain body",
      '{"all":true}',
      { "Content-Type": "text/plain" },
      415,
      "unsupported_media_type",
      "Content-Type header: must be application/json (or left out)",
    ],
    [
      "a body over the size limit",
      JSON.stringify({ tokens: ["x".repeat(MAX_PURGE_BODY_BYTES)] }),
      {},
      413,
      "payload_too_large",
      "Request body: larger than the limit of 65536 bytes",
    ],
  ])("rejects %s", async (_case, rawBody, headers, status, code, message) => {
    const response = await callGateway(purgeRequest(rawBody, { headers }));

    await expectError(response, status, code, message);
  });

  it("accepts 100 tokens of 256 characters with quotes to escape", async () => {
    const tokens = Array.from({ length: 100 }, (_unused, i) =>
      `${String(i).padStart(3, "0")}${'"\\'.repeat(253)}`.slice(0, 256),
    );

    const response = await callGateway(purgeRequest({ tokens }));

    expect(response.status).toBe(200);
    const keys = await Promise.all(tokens.map(tokenHashOf));
    expect(await response.json()).toEqual({ purged: 100, keys });
  });
});
