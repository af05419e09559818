/**
 * Load on the local stack: 20,000 sends at concurrency 100 with valid, disconnected and unknown
 * tokens. No request may get a 5xx or go without a response. The WhatsApp sandbox must then
 * contain exactly one message for each request that got 200: none lost, none twice, and none
 * for a rejected request.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SECRETS, SEED_PROVIDER_TOKENS } from "../local/config.ts";
import {
  portsFrom,
  type StackProcess,
  sandboxMessages,
  startStackProcess,
} from "./helpers/local-stack-process.ts";
import { logLinesOf, standalone } from "./helpers/log-scan.ts";

const STACK_BASE_PORT = 28865;
const REQUEST_COUNT = 20_000;
const CONCURRENCY = 100;
// Generous, because the whole suite shares the machine. The measured duration is printed.
const LOAD_TIMEOUT_MS = 300_000;
const RESPONSE_TIMEOUT_SECONDS = 60;
const RECIPIENT = "5531976540002";

/** The part of autocannon 9's API this test uses; the package ships no type declarations. */
interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: LoadRequest, context: ConnectionContext) => LoadRequest;
  onResponse?: (status: number, body: string, context: ConnectionContext) => void;
}

/** State that autocannon keeps per connection. A connection sends its requests one at a time. */
interface ConnectionContext {
  index?: number;
}

interface LoadResult {
  errors: number;
  timeouts: number;
  duration: number;
  "5xx": number;
  requests: { average: number };
}

type RunLoad = (options: {
  url: string;
  connections: number;
  amount: number;
  timeout: number;
  requests: LoadRequest[];
}) => PromiseLike<LoadResult>;

const autocannon = createRequire(import.meta.url)("autocannon") as RunLoad;

type TokenKind = "valid" | "disconnected" | "unknown" | "guess";

// One cycle of 20 requests: 6 valid, 4 disconnected, 8 unknown and cached as such after their
// first lookup, and 2 guesses that are new each time and so always reach the database.
const TOKEN_CYCLE: Array<[TokenKind, string]> = [
  ...Array.from({ length: 3 }, (): [TokenKind, string] => ["valid", "abc123"]),
  ...Array.from({ length: 3 }, (): [TokenKind, string] => ["valid", "def456"]),
  ...Array.from({ length: 4 }, (): [TokenKind, string] => ["disconnected", "ghi789"]),
  ...Array.from({ length: 8 }, (_, n): [TokenKind, string] => ["unknown", `Load-Unknown-${n % 4}`]),
  ["guess", "Load-Guess"],
  ["guess", "Load-Guess"],
];

const EXPECTED_CODE: Record<TokenKind, string | null> = {
  valid: null,
  disconnected: "instance_disconnected",
  unknown: "invalid_token",
  guess: "invalid_token",
};

interface Outcome {
  kind: TokenKind;
  status: number;
  code: string | null;
}

function tokenFor(index: number): [TokenKind, string] {
  const [kind, token] = TOKEN_CYCLE[index % TOKEN_CYCLE.length] as [TokenKind, string];
  return [kind, kind === "guess" ? `${token}-${index}` : token];
}

function textFor(index: number): string {
  return `load message ${index}`;
}

function readErrorCode(body: string): string | null {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}

let stack: StackProcess;

beforeAll(async () => {
  stack = await startStackProcess(portsFrom(STACK_BASE_PORT));
}, 40_000);

afterAll(async () => {
  await stack.stop();
});

async function runLoad(outcomes: Outcome[]): Promise<LoadResult> {
  let next = 0;
  return await autocannon({
    url: stack.gatewayUrl,
    connections: CONCURRENCY,
    amount: REQUEST_COUNT,
    timeout: RESPONSE_TIMEOUT_SECONDS,
    requests: [
      {
        method: "POST",
        path: "/whatsapp/send-text",
        setupRequest(request, context) {
          const index = next++;
          context.index = index;
          const [, token] = tokenFor(index);
          return {
            ...request,
            headers: { "Content-Type": "application/json", token },
            body: JSON.stringify({ number: RECIPIENT, text: textFor(index) }),
          };
        },
        onResponse(status, body, context) {
          const index = context.index ?? -1;
          outcomes[index] = { kind: tokenFor(index)[0], status, code: readErrorCode(body) };
        },
      },
    ],
  });
}

describe("load on the local stack", () => {
  it(
    "20,000 sends: no 5xx, loss or duplicate",
    async () => {
      const outcomes: Outcome[] = [];
      const startedAt = performance.now();

      const result = await runLoad(outcomes);

      const seconds = (performance.now() - startedAt) / 1000;
      console.info(
        `load: ${REQUEST_COUNT} requests at concurrency ${CONCURRENCY} in ${seconds.toFixed(1)} s ` +
          `(${result.requests.average.toFixed(0)} requests/s on average)`,
      );
      expect(result.errors).toBe(0);
      expect(result.timeouts).toBe(0);
      expect(result["5xx"]).toBe(0);
      expect(outcomes.filter((outcome) => outcome !== undefined)).toHaveLength(REQUEST_COUNT);

      const unexpected = outcomes
        .map((outcome, index) => ({ index, ...outcome }))
        .filter(({ kind, status, code }) => {
          const expectedCode = EXPECTED_CODE[kind];
          return expectedCode === null ? status !== 200 : status !== 401 || code !== expectedCode;
        });
      expect(unexpected.slice(0, 5)).toEqual([]);

      const accepted = outcomes.flatMap((outcome, index) =>
        outcome.status === 200 ? [textFor(index)] : [],
      );
      const delivered = (await sandboxMessages(stack.sandboxUrl)) as Array<{
        number: string;
        text: string;
      }>;
      const deliveredTexts = delivered.map((message) => message.text);
      expect(delivered.length).toBe(accepted.length);
      expect(new Set(deliveredTexts).size).toBe(delivered.length);
      expect([...deliveredTexts].sort()).toEqual([...accepted].sort());
      expect(delivered.every((message) => message.number === RECIPIENT)).toBe(true);
    },
    LOAD_TIMEOUT_MS,
  );
});

describe("stack output after the load", () => {
  it("logs no token, secret or full number", () => {
    const forbidden = [
      "abc123",
      "def456",
      "ghi789",
      "Load-Unknown",
      "Load-Guess",
      RECIPIENT,
      ...Object.values(LOCAL_SECRETS),
      ...SEED_PROVIDER_TOKENS,
    ].map(standalone);
    const lines = logLinesOf(stack.output);

    expect(lines.length).toBeGreaterThan(REQUEST_COUNT);
    const leaking = lines.filter((line) => forbidden.some((pattern) => pattern.test(line)));
    expect(leaking.slice(0, 5)).toEqual([]);
  });
});
