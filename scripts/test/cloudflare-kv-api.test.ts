import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CloudflareKvApi, startCloudflareKvApi } from "../local/cloudflare-kv-api.ts";

const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
const NAMESPACE_ID = "fedcba9876543210fedcba9876543210";
const API_TOKEN = "kv-api-test-token";
const PREFIX = "instance-token:v1:";

let api: CloudflareKvApi;
let namespaceUrl: string;

beforeAll(async () => {
  api = await startCloudflareKvApi({
    host: "127.0.0.1",
    port: 0,
    accountId: ACCOUNT_ID,
    namespaceId: NAMESPACE_ID,
    apiToken: API_TOKEN,
  });
  namespaceUrl = `${api.url}/accounts/${ACCOUNT_ID}/storage/kv/namespaces/${NAMESPACE_ID}`;
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.reset();
});

function putKeys(count: number, prefix = PREFIX): string[] {
  const names = Array.from(
    { length: count },
    (_, index) => `${prefix}${String(index).padStart(6, "0")}`,
  );
  for (const name of names) api.put(name, "{}");
  return names;
}

function list(query: Record<string, string>, token = API_TOKEN): Promise<Response> {
  return fetch(`${namespaceUrl}/keys?${new URLSearchParams(query)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
}

function bulkDelete(body: unknown): Promise<Response> {
  return fetch(`${namespaceUrl}/bulk/delete`, {
    method: "POST",
    headers: { Authorization: `Bearer ${API_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function failure(code: number, message: string) {
  return { success: false, errors: [{ code, message }], messages: [], result: null };
}

describe("Cloudflare KV API stand-in: authentication", () => {
  it("rejects a missing token with 401", async () => {
    const response = await fetch(`${namespaceUrl}/keys`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(failure(10000, "Authentication error"));
  });

  it("rejects a wrong token with 403", async () => {
    const response = await list({}, "not-the-token");
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual(failure(10000, "Authentication error"));
  });

  it("answers 404 for an unknown namespace", async () => {
    const url = `${api.url}/accounts/${ACCOUNT_ID}/storage/kv/namespaces/${"1".repeat(32)}/keys`;
    const response = await fetch(url, { headers: { Authorization: `Bearer ${API_TOKEN}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(failure(10013, "namespace not found"));
  });

  it("answers 404 for an unknown account", async () => {
    const path = `/accounts/${"2".repeat(32)}/storage/kv/namespaces/${NAMESPACE_ID}/keys`;
    const response = await fetch(`${api.url}${path}`, {
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(
      failure(7003, `Could not route to ${path}, perhaps your object identifier is invalid?`),
    );
  });

  it("answers 404 for an unknown route", async () => {
    const response = await fetch(`${api.url}/accounts/${ACCOUNT_ID}/workers/scripts`, {
      headers: { Authorization: `Bearer ${API_TOKEN}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(failure(7000, "No route for that URI"));
  });
});

describe("Cloudflare KV API stand-in: list", () => {
  it("pages 1,000 keys at a time with a cursor", async () => {
    const names = putKeys(2_500);
    const seen: string[] = [];
    const counts: number[] = [];
    let cursor = "";
    for (let page = 0; page < 5; page += 1) {
      const response = await list(cursor === "" ? {} : { cursor });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.success).toBe(true);
      expect(body.errors).toEqual([]);
      expect(body.messages).toEqual([]);
      expect(body.result_info.count).toBe(body.result.length);
      counts.push(body.result.length);
      seen.push(...body.result.map((key: { name: string }) => key.name));
      cursor = body.result_info.cursor;
      if (cursor === "") break;
    }
    expect(counts).toEqual([1_000, 1_000, 500]);
    expect(seen).toEqual(names);
  });

  it("filters by prefix and honours a smaller limit", async () => {
    putKeys(3);
    putKeys(2, "other:");
    const response = await list({ prefix: PREFIX, limit: "10" });
    const body = await response.json();
    expect(body.result).toEqual([
      { name: `${PREFIX}000000` },
      { name: `${PREFIX}000001` },
      { name: `${PREFIX}000002` },
    ]);
    expect(body.result_info).toEqual({ count: 3, cursor: "" });
  });

  it("keeps its place after listed keys are deleted", async () => {
    const names = putKeys(25);
    const first = await (await list({ limit: "10" })).json();
    await bulkDelete(names.slice(0, 10));
    const second = await (await list({ limit: "10", cursor: first.result_info.cursor })).json();
    expect(second.result.map((key: { name: string }) => key.name)).toEqual(names.slice(10, 20));
  });

  it.each(["5", "1001", "ten"])("rejects limit %s", async (limit) => {
    const response = await list({ limit });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      failure(
        10023,
        `Invalid limit ${JSON.stringify(limit)}: limit must be a whole number from 10 to 1000`,
      ),
    );
  });
});

describe("Cloudflare KV API stand-in: bulk delete", () => {
  it("deletes the named keys", async () => {
    const names = putKeys(3);
    const response = await bulkDelete([names[0], names[2], `${PREFIX}missing`]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      success: true,
      errors: [],
      messages: [],
      result: { successful_key_count: 3, unsuccessful_keys: [] },
    });
    expect(api.keys()).toEqual([names[1]]);
  });

  it("rejects more than 10,000 keys", async () => {
    const names = putKeys(10_001);
    const response = await bulkDelete(names);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      failure(10026, "Too many keys: 10001 keys in one bulk delete; send at most 10000"),
    );
    expect(api.keys()).toHaveLength(10_001);
  });

  it("rejects a body that is not an array of names", async () => {
    const response = await bulkDelete({ keys: ["a"] });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      failure(10026, "Invalid request body: expected a JSON array of key names"),
    );
  });

  it("reports keys it was told to fail", async () => {
    const names = putKeys(2);
    api.failDeletesOf([names[1] ?? ""]);
    const body = await (await bulkDelete(names)).json();
    expect(body.result).toEqual({ successful_key_count: 1, unsuccessful_keys: [names[1]] });
    expect(api.keys()).toEqual([names[1]]);
  });
});
