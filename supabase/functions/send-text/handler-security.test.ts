import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { buildJsonResponse } from "../_testing/stand-in-server.ts";
import {
  assertErrorResponse,
  GATEWAY_SECRET,
  INSTANCE_ID,
  INSTANCE_TOKEN,
  MESSAGE_TEXT,
  PROVIDER_TOKEN,
  RECIPIENT,
  SERVICE_ROLE_KEY,
  sendRequest,
  withHarness,
} from "./test-harness.ts";

const WRONG_SECRET = {
  status: 401,
  code: "invalid_gateway_secret",
  message: "The X-Gateway-Secret header is missing or wrong.",
};

// Each call carries a valid instance id, token and body, so only the gateway secret is wrong.
const secretPlacements: Array<[string, Record<string, string | null>]> = [
  ["no gateway secret", { "X-Gateway-Secret": null }],
  ["the secret sent twice", { "X-Gateway-Secret": `${GATEWAY_SECRET}, ${GATEWAY_SECRET}` }],
  [
    "the secret as the bearer token",
    { "X-Gateway-Secret": null, Authorization: `Bearer ${GATEWAY_SECRET}` },
  ],
  ["the secret as the apikey", { "X-Gateway-Secret": null, apikey: GATEWAY_SECRET }],
  [
    "the secret in another header",
    { "X-Gateway-Secret": null, "X-Gateway-Secret-2": GATEWAY_SECRET },
  ],
  ["the service role key as the secret", { "X-Gateway-Secret": SERVICE_ROLE_KEY }],
];

for (const [description, headers] of secretPlacements) {
  Deno.test(`call with ${description} is rejected before any lookup`, async () => {
    await withHarness({}, async ({ postgrest, provider, handle }) => {
      const response = await handle(sendRequest({ headers }));

      await assertErrorResponse(response, WRONG_SECRET);
      strictEqual(postgrest.requests.length, 0);
      strictEqual(provider.requests.length, 0);
    });
  });
}

Deno.test("secret in the query string is rejected", async () => {
  await withHarness({}, async ({ postgrest, provider, handle }) => {
    const request = sendRequest({ headers: { "X-Gateway-Secret": null } });
    const withQuery = new Request(`http://127.0.0.1/send-text?secret=${GATEWAY_SECRET}`, request);

    const response = await handle(withQuery);

    await assertErrorResponse(response, WRONG_SECRET);
    strictEqual(postgrest.requests.length, 0);
    strictEqual(provider.requests.length, 0);
  });
});

for (const instanceId of [
  `${INSTANCE_ID}&or=(id.not.is.null)`,
  `${INSTANCE_ID},00000000-0000-4000-8000-00000000b002`,
  "*",
  `eq.${INSTANCE_ID}`,
]) {
  Deno.test(`instance id ${JSON.stringify(instanceId)} never reaches PostgREST`, async () => {
    await withHarness({}, async ({ postgrest, provider, handle }) => {
      const response = await handle(sendRequest({ headers: { "X-Instance-ID": instanceId } }));

      await assertErrorResponse(response, {
        status: 400,
        code: "invalid_instance_id",
        message: "The X-Instance-ID header must be a UUID.",
      });
      strictEqual(postgrest.requests.length, 0);
      strictEqual(provider.requests.length, 0);
    });
  });
}

Deno.test("token sent twice is rejected", async () => {
  await withHarness({}, async ({ provider, handle }) => {
    const request = sendRequest({ headers: { token: null } });
    request.headers.append("token", INSTANCE_TOKEN);
    request.headers.append("token", INSTANCE_TOKEN);

    const response = await handle(request);

    await assertErrorResponse(response, {
      status: 401,
      code: "invalid_token",
      message: "The token is not valid for this instance.",
    });
    strictEqual(provider.requests.length, 0);
  });
});

Deno.test("extra body fields and headers never reach the provider", async () => {
  await withHarness({}, async ({ provider, handle }) => {
    const body = JSON.stringify({
      number: RECIPIENT,
      text: MESSAGE_TEXT,
      token: "attacker-provider-token",
      delay: 5000,
      linkPreview: true,
    });
    const request = sendRequest({ body, headers: { "X-Provider-Token": "attacker-token" } });

    const response = await handle(request);

    strictEqual(response.status, 200);
    await response.body?.cancel();
    const [sent] = provider.requests;
    deepStrictEqual(JSON.parse(sent?.body ?? "null"), { number: RECIPIENT, text: MESSAGE_TEXT });
    strictEqual(sent?.headers.get("token"), PROVIDER_TOKEN);
    strictEqual(sent?.headers.get("x-provider-token"), null);
    strictEqual(sent?.headers.get("x-gateway-secret"), null);
    strictEqual(sent?.headers.get("authorization"), null);
  });
});

Deno.test("provider error body is never relayed", async () => {
  const echo = () =>
    buildJsonResponse(401, { error: `Invalid token ${PROVIDER_TOKEN} for ${RECIPIENT}` });
  await withHarness({ provider: echo }, async ({ handle }) => {
    const response = await handle(sendRequest());
    const text = await response.text();

    strictEqual(response.status, 502);
    ok(!text.includes(PROVIDER_TOKEN), "the response contains the provider token");
    ok(!text.includes(RECIPIENT), "the response contains the recipient");
  });
});
