import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { expectLookupOf, INSTANCE_ROWS } from "./helpers/upstream";

const t = useGatewayTest();

const NUM_RUNS = 400;
const MAX_TOKEN_LENGTH = 256;

// A KV binding that stores nothing, so every run reaches the PostgREST stub.
const EMPTY_KV = {
  get: async () => null,
  put: async () => undefined,
} as unknown as KVNamespace;

function uncachedEnv() {
  return testEnv({ TOKEN_CACHE: EMPTY_KV, MEMORY_CACHE_MAX_ENTRIES: "0" });
}

/** Tells whether a token meets the API's rule: 1 to 256 printable ASCII characters, no space. */
function isWellFormed(token: string): boolean {
  return token.length >= 1 && token.length <= MAX_TOKEN_LENGTH && /^[!-~]+$/.test(token);
}

const controlCharacter = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f))
  .map((code) => String.fromCharCode(code));
const printableCharacter = fc
  .integer({ min: 0x21, max: 0x7e })
  .map((code) => String.fromCharCode(code));
// Pieces that have a meaning to HTTP, URLs or PostgREST filters.
const specialPiece = fc.constantFrom(
  " ",
  "\t",
  ",",
  ", ",
  ";",
  '"',
  "'",
  "%",
  "%25",
  "%00",
  "%0d%0a",
  "%26",
  "&",
  "=",
  "?",
  "#",
  "/",
  "\\",
  "+",
  "(",
  ")",
  "*",
  ".",
  "eq.",
  "neq.",
  "like.",
  "is.null",
  "in.(",
  "or=",
  "or=(id.not.is.null)",
  "&select=provider_token",
  "&limit=1000",
);
const seedToken = fc.constantFrom("abc123", "def456", "ghi789", "jkl321");

// Well-formed pieces only, so that about half the generated tokens reach the lookup.
const printablePiece = fc.oneof(printableCharacter, specialPiece.filter(isWellFormed), seedToken);
const anyPiece = fc.oneof(printableCharacter, specialPiece, controlCharacter, seedToken);

const tokenValue = fc.oneof(
  { weight: 3, arbitrary: fc.array(printablePiece, { minLength: 1, maxLength: 8 }).map(join) },
  { weight: 3, arbitrary: fc.array(anyPiece, { maxLength: 12 }).map(join) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom("", " ", "\t", "  "), seedToken, fc.constantFrom("", " ", "\t"))
      .map(join),
  },
  { weight: 1, arbitrary: fc.string({ unit: printableCharacter, minLength: 250, maxLength: 262 }) },
);

function join(pieces: string[]): string {
  return pieces.join("");
}

const bearerScheme = fc.constantFrom("Bearer", "bearer", "BEARER");
const anyScheme = fc.oneof(bearerScheme, fc.constantFrom("Basic", "Token"));
const separator = fc.constantFrom(" ", "  ", "\t");

const authorization = fc.record({ scheme: anyScheme, separator, credential: tokenValue });

// A header sent twice arrives joined with ", ", so one in ten token headers is sent twice.
const sentTwice = fc.integer({ min: 1, max: 10 }).map((draw) => draw === 1);

// Token header only, Authorization only, both with one token, or both with independent values.
const scenario = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ token: tokenValue, sentTwice, authorization: fc.constant(undefined) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      token: fc.constant(undefined),
      sentTwice: fc.constant(false),
      authorization,
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(tokenValue, bearerScheme, separator, sentTwice)
      .map(([token, scheme, between, twice]) => ({
        token,
        sentTwice: twice,
        authorization: { scheme, separator: between, credential: token },
      })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      token: fc.option(tokenValue, { nil: undefined }),
      sentTwice,
      authorization: fc.option(authorization, { nil: undefined }),
    }),
  },
);

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

// What the Headers API does to a value: HTTP white space at both ends is removed, and a value
// that still contains NUL, CR or LF is rejected, as an HTTP parser would reject the line.
function isRejectedByHeaders(value: string): boolean {
  return /[\0\r\n]/.test(value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, ""));
}

/** Builds the request, or returns undefined when the runtime cannot carry these headers. */
function buildRequest(sent: Scenario): Request | undefined {
  const headers = new Headers({ "Content-Type": "application/json" });
  const values: Array<[string, string]> = [];
  if (sent.token !== undefined) {
    values.push(["token", sent.token]);
    if (sent.sentTwice) {
      values.push(["token", sent.token]);
    }
  }
  if (sent.authorization !== undefined) {
    const { scheme, separator, credential } = sent.authorization;
    values.push(["Authorization", `${scheme}${separator}${credential}`]);
  }
  for (const [name, value] of values) {
    try {
      headers.append(name, value);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect(isRejectedByHeaders(value), JSON.stringify(value)).toBe(true);
      return undefined;
    }
    expect(isRejectedByHeaders(value), JSON.stringify(value)).toBe(false);
  }
  const body = new TextEncoder().encode('{"number":"5511999999999","text":"property"}');
  return new Request(`${GATEWAY_ORIGIN}/whatsapp/send-text`, { method: "POST", headers, body });
}

type Expectation = { lookup: string } | { code: "missing_token" | "invalid_token" };

/** Returns the outcome the token rules promise for the headers as the Worker receives them. */
function expectedOutcome(request: Request, sent: Scenario): Expectation {
  const received = request.headers.get("token");
  const candidates: string[] = [];
  if (received !== null) {
    candidates.push(received.trim());
  }
  if (sent.authorization !== undefined) {
    const { scheme, credential } = sent.authorization;
    if (scheme.toLowerCase() !== "bearer") {
      return { code: "invalid_token" };
    }
    candidates.push(credential.trim());
  }
  const [first, second] = candidates;
  if (first === undefined) {
    return { code: "missing_token" };
  }
  if (!candidates.every(isWellFormed) || (second !== undefined && second !== first)) {
    return { code: "invalid_token" };
  }
  return { lookup: first };
}

async function expectLookupAnswer(response: Response, token: string): Promise<void> {
  const forwarded = t.upstream.sendTextCalls();
  const row = INSTANCE_ROWS[token];
  if (row?.status === "connected") {
    expect(response.status).toBe(200);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]?.headers.get("token")).toBe(token);
    await response.body?.cancel();
    return;
  }
  expect(forwarded).toHaveLength(0);
  const code = row === undefined ? "invalid_token" : "instance_disconnected";
  await expectError(response, 401, code);
}

describe("token header properties", () => {
  it("any token headers return 200 or 401", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sent) => {
        const request = buildRequest(sent);
        if (request === undefined) {
          return;
        }
        t.upstream.calls.length = 0;
        const expected = expectedOutcome(request, sent);

        const response = await callGateway(request, uncachedEnv());

        if ("code" in expected) {
          await expectError(response, 401, expected.code);
          expect(t.upstream.calls).toHaveLength(0);
          return;
        }
        const lookups = t.upstream.postgrestCalls();
        expect(lookups).toHaveLength(1);
        await expectLookupOf(lookups[0], expected.lookup);
        await expectLookupAnswer(response, expected.lookup);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("lookup URL carries only the token digest", async () => {
    const wellFormedToken = fc
      .array(printablePiece, { minLength: 1, maxLength: 40 })
      .map((pieces) => join(pieces).slice(0, MAX_TOKEN_LENGTH));

    await fc.assert(
      fc.asyncProperty(wellFormedToken, async (token) => {
        t.upstream.calls.length = 0;
        const request = buildRequest({ token, sentTwice: false, authorization: undefined });
        if (request === undefined) {
          throw new Error("a well-formed token must fit in a header");
        }

        const response = await callGateway(request, uncachedEnv());

        await expectLookupOf(t.upstream.postgrestCalls()[0], token);
        await expectLookupAnswer(response, token);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
