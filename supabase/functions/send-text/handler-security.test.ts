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

/**
 * A provider on raw TCP that answers the first send with 200 on a keep-alive connection and
 * closes the connection on every later send without a response, as a provider that crashes
 * after sending would. It records each request body it read.
 */
function startDroppingProvider(): { url: string; bodies: string[]; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const bodies: string[] = [];
  const connections: Deno.Conn[] = [];
  const serve = async () => {
    for await (const connection of listener) {
      connections.push(connection);
      void serveConnection(connection, bodies).catch(() => connection.close());
    }
  };
  void serve().catch(() => undefined);
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    bodies,
    close() {
      listener.close();
      for (const connection of connections) {
        try {
          connection.close();
        } catch {
          // Already closed by the provider or the client.
        }
      }
    },
  };
}

async function serveConnection(connection: Deno.Conn, bodies: string[]): Promise<void> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let received = "";
  for (;;) {
    const count = await connection.read(buffer);
    if (count === null) {
      return;
    }
    received += decoder.decode(buffer.subarray(0, count));
    const headerEnd = received.indexOf("\r\n\r\n");
    const length = Number(/content-length: *(\d+)/i.exec(received)?.[1] ?? 0);
    if (headerEnd === -1 || received.length < headerEnd + 4 + length) {
      continue;
    }
    bodies.push(received.slice(headerEnd + 4, headerEnd + 4 + length));
    received = received.slice(headerEnd + 4 + length);
    if (bodies.length > 1) {
      connection.close();
      return;
    }
    const body = JSON.stringify({ messageid: "3EB0DROP00000001", status: "Pending" });
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
    await connection.write(new TextEncoder().encode(head + body));
  }
}

Deno.test("dropped provider connection is not resent", async () => {
  const provider = startDroppingProvider();
  try {
    await withHarness({ uazapiBaseUrl: provider.url }, async ({ handle }) => {
      const first = await handle(sendRequest());
      await first.body?.cancel();
      const second = await handle(sendRequest());

      strictEqual(first.status, 200);
      await assertErrorResponse(second, {
        status: 502,
        code: "provider_unreachable",
        message: "The WhatsApp provider could not be reached. Retry the request later.",
      });
      strictEqual(provider.bodies.length, 2);
    });
  } finally {
    provider.close();
  }
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
