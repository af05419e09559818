import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { keysRequest } from "./helpers/admin";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { listAllKeyNames, putCachedTokens, spyOnKv, tokenHashOf } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const LIMIT = "limit query parameter: must be a whole number from 1 to 500";

interface KeyListing {
  keys: string[];
  cursor: string | null;
}

/** Returns the listed form of each token, in the order KV lists their keys. */
async function listedHashes(tokens: string[]): Promise<string[]> {
  const digests = await Promise.all(tokens.map(tokenHashOf));
  const names = await listAllKeyNames();
  return names.map((name) => name.slice(-64, -56)).filter((hash) => digests.includes(hash));
}

describe("cache keys", () => {
  it("lists cached tokens by hash and deletes nothing", async () => {
    await callGateway(sendTextRequest({ token: "abc123" }));
    await callGateway(sendTextRequest({ token: "unknown-token" }));
    await env.TOKEN_CACHE.put("other-prefix:1", "kept");

    const response = await callGateway(keysRequest());

    expect(response.status).toBe(200);
    const expectedKeys = await listedHashes(["abc123", "unknown-token"]);
    expect(expectedKeys).toHaveLength(2);
    expect(await response.json()).toEqual({ keys: expectedKeys, cursor: null });
    expect(await listAllKeyNames()).toHaveLength(3);
    await callGateway(sendTextRequest({ token: "abc123" }));
    const sources = t.logs.events("request_completed").map((entry) => entry.instanceSource);
    expect(sources.at(-1)).toBe("memory");
  });

  it("pages through 7 keys with limit 3", async () => {
    const tokens = await putCachedTokens(7);
    const pages: KeyListing[] = [];
    let query = "?limit=3";

    for (let call = 0; call < 3; call++) {
      const page = (await (await callGateway(keysRequest(query))).json()) as KeyListing;
      pages.push(page);
      query = `?limit=3&cursor=${encodeURIComponent(page.cursor ?? "")}`;
    }

    const all = await listedHashes(tokens);
    expect(pages).toEqual([
      { keys: all.slice(0, 3), cursor: expect.any(String) },
      { keys: all.slice(3, 6), cursor: expect.any(String) },
      { keys: all.slice(6), cursor: null },
    ]);
  });

  it("treats empty parameters as left out", async () => {
    const spy = spyOnKv();

    const response = await callGateway(
      keysRequest("?cursor=&limit="),
      testEnv({ TOKEN_CACHE: spy.kv }),
    );

    expect(await response.json()).toEqual({ keys: [], cursor: null });
    expect(spy.calls.list).toEqual([
      { prefix: "instance-token:v1:", limit: 500, cursor: undefined },
    ]);
  });

  it.each([
    ["?limit=0", LIMIT],
    ["?limit=501", LIMIT],
    ["?limit=ten", LIMIT],
    ["?limit=1.5", LIMIT],
    ["?limit=-1", LIMIT],
    ["?limit=3&limit=4", "limit query parameter: must be given at most once"],
    ["?cursor=a&cursor=b", "cursor query parameter: must be given at most once"],
    [`?cursor=${"c".repeat(4097)}`, "cursor query parameter: must be at most 4096 characters"],
    ["?limit=0&cursor=a&cursor=b", `cursor query parameter: must be given at most once; ${LIMIT}`],
  ])("rejects %s with 400 invalid_query", async (query, message) => {
    const spy = spyOnKv();

    const response = await callGateway(keysRequest(query), testEnv({ TOKEN_CACHE: spy.kv }));

    await expectError(response, 400, "invalid_query", message);
    expect(spy.calls.list).toEqual([]);
  });

  it("failed KV list returns 503", async () => {
    const spy = spyOnKv({ failList: true });

    const response = await callGateway(keysRequest(), testEnv({ TOKEN_CACHE: spy.kv }));

    await expectError(
      response,
      503,
      "cache_unavailable",
      "The token cache is unavailable; retry the request in a few seconds",
    );
    expect(response.headers.get("Retry-After")).toBe("1");
  });
});
