import { describe, expect, it } from "vitest";
import { keysRequest, purgeRequest } from "./helpers/admin";
import {
  callGateway,
  sendTextRequest,
  TEST_ADMIN_SECRET,
  TEST_GATEWAY_SECRET,
  TEST_SERVICE_ROLE_KEY,
  testEnv,
} from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import {
  answerSent,
  hangUntilAborted,
  INSTANCE_ROWS,
  type UpstreamHandler,
} from "./helpers/upstream";

const t = useGatewayTest();

// Distinctive values, so that a match in the output can only be a leak.
const LEAK_TOKEN = "Leak-Check-Token-7Qx";
const OTHER_TOKEN = "Leak-Check-Other-9Zw";
const PRESENTED_ADMIN_SECRET = "Leak-Check-Admin-Guess-4Rt";
const PHONE_DIGITS = "5511987654321";
const FORMATTED_PHONE = "+55 (11) 98765-4321";
const JID = "5511987654321@s.whatsapp.net";
const SECRETS = [TEST_SERVICE_ROLE_KEY, TEST_GATEWAY_SECRET, TEST_ADMIN_SECRET];

/** Returns the lookup row of abc123 for any token, so LEAK_TOKEN authenticates. */
const rowForAnyToken: UpstreamHandler = () => Response.json([INSTANCE_ROWS.abc123]);
const functionError =
  (status: number, code: string): UpstreamHandler =>
  () =>
    Response.json(
      { error: { code, message: `Function failed with ${code}` }, requestId: "x" },
      { status },
    );

interface Scenario {
  name: string;
  request: () => Request;
  lookup?: UpstreamHandler;
  sendText?: UpstreamHandler;
  env?: Record<string, unknown>;
}

const send =
  (body: unknown, token = LEAK_TOKEN) =>
  () =>
    sendTextRequest({ token, body });
const sendFormatted = send({ number: FORMATTED_PHONE, text: "hello" });

// Some runtimes name the request URL in a network error, and the lookup URL contains the token.
const NETWORK_ERROR_NAMING_URL: Scenario = {
  name: "a network error naming the URL",
  request: sendFormatted,
  lookup: (call) => Promise.reject(new TypeError(`fetch failed for ${call.url.href}`)),
};

const SCENARIOS: Scenario[] = [
  { name: "a sent message", request: sendFormatted },
  { name: "a JID", request: send({ number: JID, text: "hello" }) },
  {
    name: "a Bearer token",
    request: () =>
      sendTextRequest({ token: null, headers: { Authorization: `Bearer ${LEAK_TOKEN}` } }),
  },
  {
    name: "disagreeing headers",
    request: () =>
      sendTextRequest({ token: LEAK_TOKEN, headers: { Authorization: `Bearer ${OTHER_TOKEN}` } }),
  },
  { name: "a malformed token", request: send({}, `${LEAK_TOKEN} ${OTHER_TOKEN}`) },
  { name: "an unknown token", request: sendFormatted, lookup: () => Response.json([]) },
  {
    name: "a disconnected instance",
    request: sendFormatted,
    lookup: () => Response.json([INSTANCE_ROWS.ghi789]),
  },
  {
    name: "a database 500",
    request: sendFormatted,
    lookup: () => new Response("", { status: 500 }),
  },
  {
    name: "a rejected service key",
    request: sendFormatted,
    lookup: () => Response.json({ message: "Invalid API key" }, { status: 401 }),
  },
  {
    name: "a database timeout",
    request: sendFormatted,
    lookup: hangUntilAborted,
    env: { POSTGREST_TIMEOUT_MS: "20" },
  },
  NETWORK_ERROR_NAMING_URL,
  { name: "an invalid body", request: send({ number: PHONE_DIGITS, text: 7 }) },
  { name: "a phone number as a field name", request: send({ [PHONE_DIGITS]: "x", text: "hi" }) },
  {
    name: "a function 422",
    request: sendFormatted,
    sendText: functionError(422, "recipient_rejected"),
  },
  {
    name: "a function 401 about the gateway",
    request: sendFormatted,
    sendText: functionError(401, "invalid_gateway_secret"),
  },
  {
    name: "a function timeout",
    request: sendFormatted,
    sendText: hangUntilAborted,
    env: { SEND_TEXT_TIMEOUT_MS: "20" },
  },
  { name: "a purge", request: () => purgeRequest({ tokens: [LEAK_TOKEN, OTHER_TOKEN] }) },
  {
    name: "a wrong admin secret",
    request: () => keysRequest("", { authorization: `Bearer ${PRESENTED_ADMIN_SECRET}` }),
  },
  {
    name: "a purge with an invalid token",
    request: () => purgeRequest({ tokens: [`${LEAK_TOKEN} `, `${OTHER_TOKEN}\u0001`] }),
  },
  {
    name: "a missing service key",
    request: sendFormatted,
    env: { SUPABASE_SERVICE_ROLE_KEY: undefined },
  },
];

// A KV binding that stores nothing, with the memory tier off, so every scenario runs its lookup.
const UNCACHED = {
  TOKEN_CACHE: { get: async () => null, put: async () => undefined },
  MEMORY_CACHE_MAX_ENTRIES: "0",
};

async function runScenario(scenario: Scenario): Promise<string> {
  t.upstream.onPostgrest(scenario.lookup ?? rowForAnyToken);
  t.upstream.onSendText(scenario.sendText ?? answerSent);
  const response = await callGateway(scenario.request(), testEnv({ ...UNCACHED, ...scenario.env }));
  return await response.text();
}

/** Returns each forbidden value found in `text`, with what it is. */
function findLeaks(text: string): string[] {
  const forbidden: Array<[string, string]> = [
    ["token", LEAK_TOKEN],
    ["token", OTHER_TOKEN],
    ["presented admin secret", PRESENTED_ADMIN_SECRET],
    ["phone number", PHONE_DIGITS],
    ["phone number", "98765-4321"],
    ["phone number", "987654321"],
    ...SECRETS.map((secret): [string, string] => ["secret", secret]),
  ];
  return forbidden.filter(([, value]) => text.includes(value)).map(([what]) => what);
}

describe("log and response leaks", () => {
  it("logs no token, secret or full number in any scenario", async () => {
    for (const scenario of SCENARIOS) {
      await runScenario(scenario);
    }

    expect(t.logs.lines.length).toBeGreaterThan(SCENARIOS.length);
    for (const line of t.logs.lines) {
      expect(findLeaks(line), line).toEqual([]);
    }
  });

  it("redacts the lookup URL from a network error", async () => {
    await runScenario(NETWORK_ERROR_NAMING_URL);

    const [logged] = t.logs.events("instance_lookup_failed");
    expect(logged).toMatchObject({
      reason: "network_error",
      errorName: "TypeError",
      errorMessage: "fetch failed for http://127.0.0.1:54321/rest/v1/whatsapp_instances?[redacted]",
    });
  });

  it.each(SCENARIOS)("response to $name contains no secret", async (scenario) => {
    const body = await runScenario(scenario);

    for (const secret of [...SECRETS, LEAK_TOKEN, OTHER_TOKEN, PRESENTED_ADMIN_SECRET]) {
      expect(body).not.toContain(secret);
    }
  });
});
