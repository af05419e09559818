import { describe, expect, it } from "vitest";
import { normaliseRecipient } from "../src/send-text-schema";
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
