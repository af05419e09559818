import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const NUM_RUNS = 300;
const MAX_TEXT_CODE_POINTS = 65_536;
const NUMBER_RULE = "number: must be 7 to 15 digits with the country code, or a WhatsApp JID";

/** A generated body with the response the API promises for it. */
interface BodyCase {
  bytes: Uint8Array;
  expected:
    | { status: 200; forwarded: { number: string; text: string } }
    | { status: 400; code: "invalid_json" | "invalid_body"; messagePart: string };
}

const encoder = new TextEncoder();

function digitString(minLength: number, maxLength: number) {
  return fc.string({ unit: fc.constantFrom(..."0123456789"), minLength, maxLength });
}

const phoneSeparator = fc.constantFrom("", "", "", " ", "-", ".", "(", ")", " - ", ") ");

/** Formats digits as people write them: optional "+", separators anywhere. */
function formattedNumber(digits: fc.Arbitrary<string>) {
  return fc
    .tuple(fc.boolean(), digits, fc.array(phoneSeparator, { minLength: 17, maxLength: 17 }))
    .map(([plus, value, separators]) => {
      const body = [...value].map((digit, index) => `${separators[index + 1]}${digit}`).join("");
      return { raw: `${separators[0]}${plus ? "+" : ""}${body}${separators[16]}`, digits: value };
    });
}

const validJid = fc.oneof(
  digitString(7, 15).map((digits) => `${digits}@s.whatsapp.net`),
  digitString(1, 32).map((digits) => `${digits}@g.us`),
  fc.tuple(digitString(1, 32), digitString(1, 32)).map(([a, b]) => `${a}-${b}@g.us`),
);

/** A valid recipient with the value the gateway must forward for it. */
const validNumber = fc.oneof(
  { weight: 3, arbitrary: formattedNumber(digitString(7, 15)).map((n) => [n.raw, n.digits]) },
  { weight: 1, arbitrary: validJid.map((jid) => [jid, jid]) },
) as fc.Arbitrary<[string, string]>;

const invalidNumber = fc.oneof(
  formattedNumber(digitString(0, 6)).map((n) => n.raw),
  formattedNumber(digitString(16, 20)).map((n) => n.raw),
  fc
    .tuple(digitString(7, 15), fc.constantFrom("a", "x", "#", "/", "*", "+", "_", "５", "١"))
    .map(([digits, extra]) => `${digits.slice(0, 3)}${extra}${digits.slice(3)}`),
  digitString(7, 15).map((digits) => `++${digits}`),
  digitString(7, 15).map((digits) => `${digits}@c.us`),
  digitString(7, 15).map((digits) => `${digits}@S.WHATSAPP.NET`),
  digitString(1, 6).map((digits) => `${digits}@s.whatsapp.net`),
  digitString(7, 15).map((digits) => ` ${digits}@s.whatsapp.net`),
  digitString(1, 10).map((digits) => `${digits}@lid`),
);

// Characters that stress the text rules: combining marks, joiners, emoji sequences, flags,
// 4-byte characters, right-to-left text and white space that is not the ASCII space.
const textPiece = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 4 }),
  fc.string({ unit: "binary", maxLength: 4 }),
  fc.constantFrom(
    "e\u0301",
    "\u0915\u094d\u0937",
    "👨‍👩‍👧‍👦",
    "🇧🇷",
    "𝄞",
    "𠜎",
    "❤️",
    "שלום",
    "\u200d",
    "\u200b",
    "\u0000",
    "\u3164",
    "\u2800",
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u{e0001}",
    "\u0301",
    "\u3000",
    "\u2028",
    "\ufeff",
    " ",
    "\n",
    "Olá",
  ),
);

const anyText = fc.array(textPiece, { maxLength: 12 }).map((pieces) => pieces.join(""));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

// Characters that the API counts as blank, besides white space, Cc and Cf.
const BLANK_FILLERS = new Set(["\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"]);

function isBlankCharacter(character: string): boolean {
  return (
    /^\s$/.test(character) || /^[\p{Cc}\p{Cf}]$/u.test(character) || BLANK_FILLERS.has(character)
  );
}

/** Returns the rule that `text` breaks, as the API states its text rules, or undefined. */
function describeTextProblem(text: string): string | undefined {
  if ([...text].every(isBlankCharacter)) {
    return "text: must not be blank";
  }
  if ([...text].length > MAX_TEXT_CODE_POINTS) {
    return "text: must be at most";
  }
  if (/\p{Cs}/u.test(text)) {
    return "text: must not contain unpaired surrogates";
  }
  return undefined;
}

function jsonCase(value: unknown, expected: BodyCase["expected"]): BodyCase {
  return { bytes: encoder.encode(JSON.stringify(value)), expected };
}

const validOrTextProblemBody = fc
  .tuple(
    validNumber,
    fc.oneof(
      { weight: 6, arbitrary: anyText },
      { weight: 1, arbitrary: fc.tuple(anyText, loneSurrogate, anyText).map((p) => p.join("")) },
    ),
    fc.boolean(),
  )
  .map(([[number, forwardedNumber], text, textFirst]): BodyCase => {
    const body = textFirst ? { text, number } : { number, text };
    const problem = describeTextProblem(text);
    if (problem !== undefined) {
      return jsonCase(body, { status: 400, code: "invalid_body", messagePart: problem });
    }
    return jsonCase(body, { status: 200, forwarded: { number: forwardedNumber, text } });
  });

const invalidNumberBody = fc
  .tuple(invalidNumber, fc.constantFrom("hi", "Olá 👋"))
  .map(([number, text]) =>
    jsonCase({ number, text }, { status: 400, code: "invalid_body", messagePart: NUMBER_RULE }),
  );

const wrongType = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const wrongTypeBody = fc.oneof(
  wrongType.map((number) =>
    jsonCase(
      { number, text: "hi" },
      { status: 400, code: "invalid_body", messagePart: "number: must be a string" },
    ),
  ),
  wrongType.map((text) =>
    jsonCase(
      { number: "5511999999999", text },
      { status: 400, code: "invalid_body", messagePart: "text: must be a string" },
    ),
  ),
  fc
    .oneof(wrongType, fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 }))
    .filter((value) => typeof value !== "object" || value === null || Array.isArray(value))
    .map((value) =>
      jsonCase(value, {
        status: 400,
        code: "invalid_body",
        messagePart: "body: must be a JSON object",
      }),
    ),
  fc.constantFrom("number", "text").map((present) =>
    jsonCase(present === "number" ? { number: "5511999999999" } : { text: "hi" }, {
      status: 400,
      code: "invalid_body",
      messagePart: `${present === "number" ? "text" : "number"}: is required`,
    }),
  ),
  fc
    .tuple(
      fc.constantFrom("__proto__", "constructor", "prototype", "delay", "token", "x"),
      fc.jsonValue(),
    )
    .map(([key, value]): BodyCase => {
      // Written as text, because an object literal would turn "__proto__" into a prototype.
      const extra = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
      return {
        bytes: encoder.encode(`{"number":"5511999999999","text":"hi",${extra}}`),
        expected: {
          status: 400,
          code: "invalid_body",
          messagePart: `${key}: unknown field; only number and text are accepted`,
        },
      };
    }),
);

const malformedBody = fc.oneof(
  fc.constant<BodyCase>({
    bytes: new Uint8Array(0),
    expected: { status: 400, code: "invalid_json", messagePart: "Request body: is empty" },
  }),
  fc
    .tuple(validOrTextProblemBody, fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([whole, fraction]): BodyCase => {
      const cut = Math.floor(fraction * (whole.bytes.byteLength - 1));
      const expected = cut === 0 ? "Request body: is empty" : "Request body: is not valid";
      return {
        bytes: whole.bytes.slice(0, cut),
        expected: { status: 400, code: "invalid_json", messagePart: expected },
      };
    }),
  fc.constantFrom("{", "}", "nul", "{'number': '1'}", "[1,]", "\u0000").map(
    (text): BodyCase => ({
      bytes: encoder.encode(text),
      expected: { status: 400, code: "invalid_json", messagePart: "Request body: is not valid" },
    }),
  ),
  fc.constant<BodyCase>({
    bytes: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    expected: {
      status: 400,
      code: "invalid_json",
      messagePart: "Request body: is not valid UTF-8",
    },
  }),
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string | undefined>(undefined) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/json ;charset=UTF-8",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      "application/json-patch+json",
      "",
    ),
  },
);

function isJsonMediaType(value: string | undefined): boolean {
  return value === undefined || value.split(";")[0]?.trim().toLowerCase() === "application/json";
}

function buildRequest(bytes: Uint8Array, type: string | undefined): Request {
  const headers = new Headers({ token: "abc123" });
  if (type !== undefined) {
    headers.set("Content-Type", type);
  }
  // A Uint8Array body, unlike a string, makes the runtime add no Content-Type of its own.
  return new Request(`${GATEWAY_ORIGIN}/whatsapp/send-text`, {
    method: "POST",
    headers,
    body: bytes,
  });
}

async function expectAnswer(response: Response, body: BodyCase): Promise<void> {
  const forwarded = t.upstream.sendTextCalls();
  if (body.expected.status === 200) {
    expect(response.status).toBe(200);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]?.body).toBe(JSON.stringify(body.expected.forwarded));
    await response.body?.cancel();
    return;
  }
  await expectError(
    response,
    400,
    body.expected.code,
    expect.stringContaining(body.expected.messagePart),
  );
  expect(forwarded).toHaveLength(0);
}

describe("request body properties", () => {
  it("valid body is forwarded normalised", async () => {
    await fc.assert(
      fc.asyncProperty(validOrTextProblemBody, async (body) => {
        t.upstream.calls.length = 0;

        const response = await callGateway(buildRequest(body.bytes, "application/json"));

        await expectAnswer(response, body);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("invalid number returns 400", async () => {
    await fc.assert(
      fc.asyncProperty(invalidNumberBody, async (body) => {
        t.upstream.calls.length = 0;

        const response = await callGateway(buildRequest(body.bytes, undefined));

        await expectAnswer(response, body);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("wrong JSON types return 400", async () => {
    await fc.assert(
      fc.asyncProperty(wrongTypeBody, async (body) => {
        t.upstream.calls.length = 0;

        const response = await callGateway(buildRequest(body.bytes, "application/json"));

        await expectAnswer(response, body);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("any body returns 200, 400 or 415", async () => {
    const anyBody = fc.oneof(
      validOrTextProblemBody,
      invalidNumberBody,
      wrongTypeBody,
      malformedBody,
    );

    await fc.assert(
      fc.asyncProperty(anyBody, contentType, async (body, type) => {
        t.upstream.calls.length = 0;

        const response = await callGateway(buildRequest(body.bytes, type));

        if (isJsonMediaType(type)) {
          await expectAnswer(response, body);
          return;
        }
        await expectError(
          response,
          415,
          "unsupported_media_type",
          "Content-Type header: must be application/json (or left out)",
        );
        expect(t.upstream.sendTextCalls()).toHaveLength(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
