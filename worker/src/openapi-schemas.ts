import { type OverrideActionContext, toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { textNotBlankPattern } from "./openapi-text-pattern";
import type { JsonSchema } from "./openapi-types";
import { AllBodySchema, TokensBodySchema } from "./purge-request";
import { SuccessBodySchema } from "./send-text-proxy";
import {
  E164_NUMBER,
  fitsTextLimit,
  hasNoUnpairedSurrogates,
  isNotBlank,
  MAX_TEXT_CODE_POINTS,
  PHONE_SEPARATORS,
  SendTextBodySchema,
  WHATSAPP_JID,
} from "./send-text-schema";
import { MAX_TOKEN_LENGTH } from "./token";
import type { KeyListing, PagePurgeResult, TokenPurgeResult } from "./token-cache-purge";
import { TOKEN_HASH_LOG_LENGTH } from "./token-hash";

/**
 * The token rule as a JSON Schema pattern: printable ASCII without the space (0x21 to 0x7E).
 * token.ts keeps its regular expression private, so a test checks that this pattern accepts
 * exactly the characters that `describeTokenFormatProblem` accepts.
 */
export const TOKEN_PATTERN = "^[\\x21-\\x7E]+$";

export const INSTANCE_TOKEN_SCHEMA: JsonSchema = {
  type: "string",
  minLength: 1,
  maxLength: MAX_TOKEN_LENGTH,
  pattern: TOKEN_PATTERN,
  description:
    "An instance token: printable ASCII without white space. Surrounding white space is " +
    "trimmed before the check.",
  examples: ["abc123"],
};

export const RECIPIENT_EXAMPLES = [
  "5511999999999",
  "+55 (11) 99999-9999",
  "5511999999999@s.whatsapp.net",
  "120363025246125486@g.us",
];

const RECIPIENT_DESCRIPTION =
  "A phone number with its country code, or a WhatsApp JID. A phone number loses every " +
  `character that matches \`${PHONE_SEPARATORS.source}\` and must then match ` +
  `\`${E164_NUMBER.source}\`; the gateway sends the captured digits and never changes them ` +
  `otherwise. A JID must match \`${WHATSAPP_JID.source}\` and is sent unchanged.`;

const TEXT_DESCRIPTION =
  "The message: not blank, at most " +
  `${MAX_TEXT_CODE_POINTS} Unicode code points (an emoji counts once), with no unpaired ` +
  "surrogates. A blank text contains only white space, control characters (Cc), format " +
  "characters (Cf, such as U+200B) and the fillers U+115F, U+1160, U+3164, U+FFA0 and U+2800. " +
  "A lone combining mark is not blank. The pattern checks this rule for characters up to " +
  "U+FFFF, and the gateway also counts the format characters above U+FFFF as blank.";

// JSON Schema counts a string's length in code points, as fitsTextLimit does, so that rule
// carries over exactly. The not-blank pattern matches isNotBlank on every code point up to
// U+FFFF. No keyword can express "no unpaired surrogates", so that rule lives in the
// description alone.
const CHECK_KEYWORDS = new Map<unknown, () => JsonSchema>([
  [isNotBlank, () => ({ pattern: textNotBlankPattern() })],
  [fitsTextLimit, () => ({ maxLength: MAX_TEXT_CODE_POINTS })],
  [hasNoUnpairedSurrogates, () => ({})],
]);

const RECIPIENT_TRANSFORM = SendTextBodySchema.entries.number.pipe.find(
  (item) => item.type === "raw_transform",
);
const TOKEN_CHECK = TokensBodySchema.entries.tokens.pipe[0].item.pipe.find(
  (item) => item.type === "check",
);

/**
 * Supplies the JSON Schema of the actions the converter cannot read: the recipient's
 * normalisation, the token check and the text checks. Any other unknown action is left to the
 * converter, which throws, so a new rule cannot silently miss the document.
 */
function convertCustomAction({ valibotAction, jsonSchema }: OverrideActionContext) {
  if (valibotAction === RECIPIENT_TRANSFORM) {
    return { ...jsonSchema, description: RECIPIENT_DESCRIPTION, examples: RECIPIENT_EXAMPLES };
  }
  if (valibotAction === TOKEN_CHECK) {
    return { ...jsonSchema, ...INSTANCE_TOKEN_SCHEMA };
  }
  // Trimming only widens the accepted input, and the token's description mentions it.
  if (valibotAction.type === "trim") {
    return jsonSchema;
  }
  const keywords = "requirement" in valibotAction && CHECK_KEYWORDS.get(valibotAction.requirement);
  return keywords ? { ...jsonSchema, ...keywords() } : undefined;
}

/** Converts a valibot schema to a JSON Schema 2020-12 object, the dialect of OpenAPI 3.1. */
export function convertSchema(schema: v.GenericSchema): JsonSchema {
  const { $schema: _dialect, ...converted } = toJsonSchema(schema, {
    target: "draft-2020-12",
    errorMode: "throw",
    overrideAction: convertCustomAction,
  });
  return converted;
}

const PurgedCountSchema = v.pipe(v.number(), v.integer(), v.minValue(0));
const CursorSchema = v.nullable(v.string());
const TokenHashSchema = v.pipe(
  v.string(),
  v.regex(new RegExp(`^[0-9a-f]{${TOKEN_HASH_LOG_LENGTH}}$`)),
  v.description("The first 8 hex characters of the SHA-256 of a token."),
);

const TokenPurgeResultSchema: v.GenericSchema<TokenPurgeResult> = v.object({
  purged: PurgedCountSchema,
  keys: v.array(TokenHashSchema),
});
const PagePurgeResultSchema: v.GenericSchema<PagePurgeResult> = v.object({
  purged: PurgedCountSchema,
  cursor: CursorSchema,
});
const KeyListingSchema: v.GenericSchema<KeyListing> = v.object({
  keys: v.array(TokenHashSchema),
  cursor: CursorSchema,
});

/** Builds the schemas of components/schemas, keyed by their names in the document. */
export function buildComponentSchemas(): Record<string, JsonSchema> {
  const sendTextRequest = convertSchema(SendTextBodySchema);
  const textSchema = sendTextRequest.properties?.text;
  if (typeof textSchema === "object") {
    textSchema.description = TEXT_DESCRIPTION;
  }
  return {
    InstanceToken: INSTANCE_TOKEN_SCHEMA,
    SendTextRequest: sendTextRequest,
    SendTextResponse: convertSchema(SuccessBodySchema),
    PurgeTokensRequest: convertSchema(TokensBodySchema),
    PurgeAllRequest: convertSchema(AllBodySchema),
    PurgeTokensResponse: convertSchema(TokenPurgeResultSchema),
    PurgePageResponse: convertSchema(PagePurgeResultSchema),
    CacheKeysResponse: convertSchema(KeyListingSchema),
    HealthResponse: convertSchema(v.object({ status: v.literal("ok") })),
  };
}

/** Builds the error body schema `{"error": {code, message}, "requestId"}` for `codes`. */
export function errorBodySchema(codes: readonly [string, ...string[]]): JsonSchema {
  return convertSchema(
    v.object({
      error: v.object({ code: v.picklist(codes), message: v.string() }),
      requestId: v.pipe(v.string(), v.description("The same value as the X-Request-ID header.")),
    }),
  );
}
