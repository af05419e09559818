import * as v from "valibot";
import { GatewayError } from "./errors";

/** Longest accepted text, counted in Unicode code points (an emoji counts once). */
export const MAX_TEXT_CODE_POINTS = 65_536;

const BLANK_TEXT_MESSAGE =
  "must not be blank (white space, control, format and filler characters alone count as blank)";
const NUMBER_FORMAT_MESSAGE = "must be 7 to 15 digits with the country code, or a WhatsApp JID";
/** Separators people write in phone numbers; they are removed before the digit check. */
export const PHONE_SEPARATORS = /[ .()-]/g;
/** A phone number once its separators are removed; the capture group is what is sent. */
export const E164_NUMBER = /^\+?([0-9]{7,15})$/;
/** A person (<number>@s.whatsapp.net) or a group (<id>@g.us, or the older <creator>-<id>@g.us). */
export const WHATSAPP_JID = /^(?:[0-9]{7,15}@s\.whatsapp\.net|[0-9]{1,32}(?:-[0-9]{1,32})?@g\.us)$/;
const UNPAIRED_SURROGATE = /\p{Cs}/u;
/**
 * A character that makes a text non-blank: anything but white space, control characters (Cc),
 * format characters (Cf, such as U+200B ZERO WIDTH SPACE) and the fillers that display as blank
 * although Unicode classes them as letters or symbols (the Hangul fillers U+115F, U+1160,
 * U+3164 and U+FFA0, and U+2800 BRAILLE PATTERN BLANK). A combining mark counts, so a lone
 * U+0301 is a valid text.
 */
const VISIBLE_CHARACTER = /[^\s\p{Cc}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]/u;
const MAX_FIELD_NAME_IN_MESSAGE = 64;

/**
 * Returns the number the provider expects: a JID unchanged, or a phone number as its digits
 * alone. The digits are never changed otherwise, so a Brazilian number keeps or lacks its
 * ninth digit exactly as sent. Returns undefined when the value is neither.
 */
export function normaliseRecipient(value: string): string | undefined {
  if (WHATSAPP_JID.test(value)) {
    return value;
  }
  return E164_NUMBER.exec(value.replace(PHONE_SEPARATORS, ""))?.[1];
}

const NumberSchema = v.pipe(
  v.string("must be a string"),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const recipient = normaliseRecipient(dataset.value);
    if (recipient === undefined) {
      addIssue({ message: NUMBER_FORMAT_MESSAGE });
      return NEVER;
    }
    return recipient;
  }),
);

const TextSchema = v.pipe(
  v.string("must be a string"),
  v.check(isNotBlank, BLANK_TEXT_MESSAGE),
  v.check(
    fitsTextLimit,
    `must be at most ${MAX_TEXT_CODE_POINTS} characters (Unicode code points)`,
  ),
  v.check(hasNoUnpairedSurrogates, "must not contain unpaired surrogates"),
);

// Unknown fields are rejected rather than ignored: a client sending provider options such as
// "delay" or "linkPreview" learns that the gateway does not forward them.
export const SendTextBodySchema = v.strictObject(
  { number: NumberSchema, text: TextSchema },
  (issue) => {
    if (issue.expected === "never") {
      return "unknown field; only number and text are accepted";
    }
    return issue.expected?.startsWith('"') ? "is required" : "must be a JSON object";
  },
);

export type SendTextBody = v.InferOutput<typeof SendTextBodySchema>;

/** Validates the parsed body, or throws 400 invalid_body naming every bad field. */
export function parseSendTextBody(input: unknown): SendTextBody {
  if (Array.isArray(input)) {
    throw new GatewayError("invalid_body", "body: must be a JSON object with number and text");
  }
  const parsed = v.safeParse(SendTextBodySchema, input, { abortPipeEarly: true });
  if (parsed.success) {
    return parsed.output;
  }
  const problems = parsed.issues.map((issue) => {
    const field = v.getDotPath(issue) ?? "body";
    return `${shortenFieldName(field)}: ${issue.message}`;
  });
  throw new GatewayError("invalid_body", problems.join("; "));
}

/** Tells whether the text contains a character outside the blank set of VISIBLE_CHARACTER. */
export function isNotBlank(text: string): boolean {
  return VISIBLE_CHARACTER.test(text);
}

export function fitsTextLimit(text: string): boolean {
  // A string never has more code points than UTF-16 code units, so most texts skip the count.
  if (text.length <= MAX_TEXT_CODE_POINTS) {
    return true;
  }
  let codePoints = 0;
  for (const _codePoint of text) {
    codePoints++;
    if (codePoints > MAX_TEXT_CODE_POINTS) {
      return false;
    }
  }
  return true;
}

export function hasNoUnpairedSurrogates(text: string): boolean {
  return !UNPAIRED_SURROGATE.test(text);
}

function shortenFieldName(field: string): string {
  if (field.length <= MAX_FIELD_NAME_IN_MESSAGE) {
    return field;
  }
  return `${field.slice(0, MAX_FIELD_NAME_IN_MESSAGE)}...`;
}
