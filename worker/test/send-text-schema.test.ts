import { describe, expect, it } from "vitest";
import { isNotBlank, normaliseRecipient } from "../src/send-text-schema";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

describe("recipient number", () => {
  it.each([
    ["+55 (11) 99999-9999", "5511999999999"],
    ["5511999999999", "5511999999999"],
    ["551199999999", "551199999999"],
    ["+1 415.555.2671", "14155552671"],
    ["44-20-7946-0958", "442079460958"],
    ["1234567", "1234567"],
    ["123456789012345", "123456789012345"],
    ["5511999999999@s.whatsapp.net", "5511999999999@s.whatsapp.net"],
    ["120363025246125486@g.us", "120363025246125486@g.us"],
    ["5511999999999-1612345678@g.us", "5511999999999-1612345678@g.us"],
  ])("normalises %j to %j", (input, expected) => {
    expect(normaliseRecipient(input)).toBe(expected);
  });

  it.each([
    ["empty", ""],
    ["six digits", "123456"],
    ["sixteen digits", "1234567890123456"],
    ["plus in the middle", "55+11999999999"],
    ["two plus signs", "++5511999999999"],
    ["letters", "55119999abcd"],
    ["tab separator", "55\t11999999999"],
    ["JID with spaces", "55 11999999999@s.whatsapp.net"],
    ["JID with a plus", "+5511999999999@s.whatsapp.net"],
    ["unknown JID domain", "5511999999999@c.us"],
    ["group JID with three parts", "1-2-3@g.us"],
    ["user JID of five digits", "12345@s.whatsapp.net"],
  ])("rejects %s", (_case, input) => {
    expect(normaliseRecipient(input)).toBeUndefined();
  });

  it.each([
    ["5511999999999", "5511999999999"],
    ["551199999999", "551199999999"],
  ])("keeps the Brazilian number %s digit for digit", async (number, forwarded) => {
    const response = await callGateway(sendTextRequest({ body: { number, text: "oi" } }));

    expect(response.status).toBe(200);
    expect(JSON.parse(t.upstream.sendTextCalls()[0]?.body ?? "{}")).toEqual({
      number: forwarded,
      text: "oi",
    });
  });
});

const BLANK_TEXT =
  "text: must not be blank (white space, control, format and filler characters alone count as blank)";

const BLANK_TEXTS: Array<[string, string]> = [
  ["empty", ""],
  ["ASCII white space", " \t\n\r\v\f"],
  ["Unicode white space", "\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"],
  ["NUL", "\u0000"],
  ["C0 and C1 controls", "\u0001\u001f\u007f\u0080\u009f"],
  ["zero width space", "\u200b"],
  ["zero width joiners", "\u200c\u200d\u2060"],
  ["byte order mark", "\ufeff"],
  ["soft hyphen", "\u00ad"],
  ["direction marks", "\u200e\u200f\u202a\u202e\u2066\u2069"],
  ["Mongolian vowel separator", "\u180e"],
  ["Hangul choseong filler", "\u115f"],
  ["Hangul jungseong filler", "\u1160"],
  ["Hangul filler", "\u3164"],
  ["halfwidth Hangul filler", "\uffa0"],
  ["Braille pattern blank", "\u2800"],
  ["language tag and tag characters", "\u{e0001}\u{e0041}\u{e007f}"],
  ["every kind mixed", " \u200b\u3164\u0000\u2800\u115f\u1160\uffa0\ufeff\n"],
];

const NON_BLANK_TEXTS: Array<[string, string]> = [
  ["a letter", "a"],
  ["a letter among fillers", "\u3164a\u200b"],
  ["a lone combining mark", "\u0301"],
  ["a lone variation selector", "\ufe0f"],
  ["a Hangul letter", "\u3131"],
  ["a Braille dot", "\u2801"],
  ["an emoji", "😀"],
  ["a 4-byte letter", "𠜎"],
  ["a private use character", "\ue000"],
];

describe("blank text", () => {
  it.each(BLANK_TEXTS)("rejects %s", async (_case, text) => {
    expect(isNotBlank(text)).toBe(false);

    const response = await callGateway(
      sendTextRequest({ body: { number: "5511999999999", text } }),
    );

    await expectError(response, 400, "invalid_body", BLANK_TEXT);
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it.each(NON_BLANK_TEXTS)("accepts %s", async (_case, text) => {
    expect(isNotBlank(text)).toBe(true);

    const response = await callGateway(
      sendTextRequest({ body: { number: "5511999999999", text } }),
    );

    expect(response.status).toBe(200);
    const forwarded = t.upstream.sendTextCalls();
    expect(forwarded).toHaveLength(1);
    expect(JSON.parse(forwarded[0]?.body ?? "{}")).toEqual({ number: "5511999999999", text });
  });
});
