import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { buildJsonResponse, startStandInServer } from "../_testing/stand-in-server.ts";
import { createPostgrestClient, PostgrestError } from "./postgrest.ts";

Deno.test("PostgREST query values are percent-encoded", async () => {
  const standIn = startStandInServer(() => buildJsonResponse(200, []));
  try {
    const client = createPostgrestClient({
      baseUrl: standIn.url,
      apiKey: "key",
      timeoutMs: 1_000,
      fetch,
    });
    const hostile = "eq.a&select=provider_token#x y%";

    deepStrictEqual(await client.select("whatsapp_instances", { instance_token: hostile }), []);

    const url = standIn.requests[0]?.url;
    deepStrictEqual([...(url?.searchParams ?? [])], [["instance_token", hostile]]);
    strictEqual(url?.search, "?instance_token=eq.a%26select%3Dprovider_token%23x+y%25");
  } finally {
    await standIn.close();
  }
});

Deno.test("PostgREST error status is reported", async () => {
  const standIn = startStandInServer(() => buildJsonResponse(503, { message: "down" }));
  try {
    const client = createPostgrestClient({
      baseUrl: standIn.url,
      apiKey: "key",
      timeoutMs: 1_000,
      fetch,
    });

    await rejects(client.select("whatsapp_instances", {}), (error: unknown) => {
      strictEqual(error instanceof PostgrestError, true);
      strictEqual((error as PostgrestError).failure, "status");
      strictEqual((error as PostgrestError).status, 503);
      return true;
    });
  } finally {
    await standIn.close();
  }
});
