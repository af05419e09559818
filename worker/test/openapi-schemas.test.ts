import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../src/openapi";
import {
  type DocumentedErrorCode,
  RELAYED_FUNCTION_CODES,
  statusOfErrorCode,
} from "../src/openapi-errors";
import {
  convertSchema,
  INSTANCE_TOKEN_SCHEMA,
  RECIPIENT_EXAMPLES,
  TOKEN_PATTERN,
} from "../src/openapi-schemas";
import { textNotBlankPattern } from "../src/openapi-text-pattern";
import type { JsonSchema } from "../src/openapi-types";
import { parsePurgeRequest } from "../src/purge-request";
import { resolveRequestId } from "../src/request-id";
import {
  isNotBlank,
  MAX_TEXT_CODE_POINTS,
  normaliseRecipient,
  parseSendTextBody,
} from "../src/send-text-schema";
import { describeTokenFormatProblem, MAX_TOKEN_LENGTH } from "../src/token";

const document = buildOpenApiDocument();
const schemas = (document.components as { schemas: Record<string, JsonSchema> }).schemas;

function propertyOf(schemaName: string, property: string): JsonSchema {
  return schemas[schemaName]?.properties?.[property] as JsonSchema;
}

describe("OpenAPI schemas", () => {
  it("token pattern accepts what the gateway accepts", () => {
    const pattern = new RegExp(TOKEN_PATTERN);
    const characters = Array.from({ length: 0x180 }, (_unused, code) => String.fromCharCode(code));
    characters.push("\u2028", "\u00a0", "\ud83d\ude00");

    for (const character of characters) {
      const token = `a${character}b`;
      const accepted = describeTokenFormatProblem(token) === undefined;
      expect(pattern.test(token), JSON.stringify(token)).toBe(accepted);
    }
  });

  it("token length limits match the gateway's", () => {
    expect(INSTANCE_TOKEN_SCHEMA.minLength).toBe(1);
    expect(INSTANCE_TOKEN_SCHEMA.maxLength).toBe(MAX_TOKEN_LENGTH);
    expect(describeTokenFormatProblem("x".repeat(MAX_TOKEN_LENGTH))).toBeUndefined();
    expect(describeTokenFormatProblem("x".repeat(MAX_TOKEN_LENGTH + 1))).toBeDefined();
  });

  it("request id pattern matches the reused ids", () => {
    const parameters = (
      document.components as { parameters: Record<string, { schema: JsonSchema }> }
    ).parameters;
    const pattern = new RegExp(parameters["X-Request-ID"]?.schema.pattern ?? "");
    const samples = [
      "order-4711",
      "a.b_c:d-e",
      "x".repeat(64),
      "x".repeat(65),
      "",
      "a b",
      "a/b",
      "a;b",
    ];

    for (const sample of samples) {
      const reused = resolveRequestId(new Headers({ "X-Request-ID": sample })) === sample;
      expect(pattern.test(sample), JSON.stringify(sample)).toBe(reused);
    }
  });

  it("text keywords carry the schema's checks", () => {
    const text = propertyOf("SendTextRequest", "text");

    expect(text.maxLength).toBe(MAX_TEXT_CODE_POINTS);
    expect(text.pattern).toBe(textNotBlankPattern());
  });

  it.each(["", "u"])("not-blank pattern with flags %j matches the BMP", (flags) => {
    const notBlank = new RegExp(textNotBlankPattern(), flags);

    for (let codeUnit = 0; codeUnit <= 0xffff; codeUnit++) {
      const sample = String.fromCharCode(codeUnit);
      if (notBlank.test(sample) !== isNotBlank(sample)) {
        expect(notBlank.test(sample), `U+${codeUnit.toString(16)}`).toBe(isNotBlank(sample));
      }
    }
    for (const sample of ["", " \t\n", "\u00a0\u2028\ufeff\u200b\u3164", " a ", "😀", "\u0301"]) {
      expect(notBlank.test(sample), JSON.stringify(sample)).toBe(isNotBlank(sample));
    }
  });

  it("not-blank pattern misses format characters above U+FFFF", () => {
    const notBlank = new RegExp(textNotBlankPattern(), "u");
    const languageTag = "\u{e0001}";

    expect(isNotBlank(languageTag)).toBe(false);
    expect(notBlank.test(languageTag)).toBe(true);
  });

  it("recipient examples are accepted", () => {
    for (const example of RECIPIENT_EXAMPLES) {
      expect(normaliseRecipient(example), example).toBeDefined();
    }
  });

  it("send-text request example is accepted", () => {
    const operation = document.paths["/whatsapp/send-text"]?.post;
    const example = operation?.requestBody?.content["application/json"]?.example;

    expect(parseSendTextBody(example)).toEqual(example);
  });

  it("purge request examples are accepted", () => {
    const operation = document.paths["/admin/cache/purge"]?.post;
    const examples = operation?.requestBody?.content["application/json"]?.examples ?? {};

    expect(Object.keys(examples)).toEqual(["tokens", "all"]);
    for (const example of Object.values(examples)) {
      expect(() => parsePurgeRequest(example.value)).not.toThrow();
    }
  });

  it("error examples match their response status", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const examples = response.content?.["application/json"]?.examples ?? {};
          for (const [name, example] of Object.entries(examples)) {
            const body = example.value as { error?: { code: DocumentedErrorCode } };
            if (body.error === undefined) {
              continue;
            }
            expect(body.error.code, `${path} ${status} ${name}`).toBe(name);
            expect(String(statusOfErrorCode(body.error.code)), `${path} ${name}`).toBe(status);
          }
        }
      }
    }
  });

  it("relayed function codes have the function's statuses", () => {
    const statuses = Object.fromEntries(
      RELAYED_FUNCTION_CODES.map((code) => [code, statusOfErrorCode(code)]),
    );

    expect(statuses).toEqual({
      recipient_rejected: 422,
      provider_rate_limited: 429,
      provider_auth_failed: 502,
      provider_error: 502,
      provider_unreachable: 502,
      provider_disconnected: 503,
      provider_timeout: 504,
    });
  });

  it("conversion rejects a check it cannot describe", () => {
    const schema = v.pipe(
      v.string(),
      v.check((value) => value !== "x"),
    );

    expect(() => convertSchema(schema)).toThrow(/"check" action cannot be converted/);
  });
});
