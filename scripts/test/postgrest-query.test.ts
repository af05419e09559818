import { describe, expect, it } from "vitest";
import { ApiError } from "../local/postgrest-errors.ts";
import {
  decodeQueryComponent,
  parseQueryString,
  parseReadRequest,
} from "../local/postgrest-query.ts";

function parseError(rawQuery: string): ApiError {
  try {
    parseReadRequest(rawQuery);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`parseReadRequest accepted ${rawQuery}`);
}

describe("decodeQueryComponent", () => {
  it.each([
    ["plain", "abc123", "abc123"],
    ["an escaped ampersand", "a%26b", "a&b"],
    ["lower-case hex", "%2b", "+"],
    ["a plus as a space", "a+b", "a b"],
    ["an escaped plus", "a%2Bb", "a+b"],
    ["an escaped percent sign", "100%25", "100%"],
    ["a percent sign without hex digits", "100%", "100%"],
    ["a percent sign with one hex digit", "%4", "%4"],
    ["a percent sign with non-hex digits", "%zz", "%zz"],
    ["UTF-8 bytes", "%C3%A9", "é"],
    ["an invalid UTF-8 byte", "%FF", "\uFFFD"],
    ["a double escape once", "%2541", "%41"],
  ])("decodes %s", (_case, raw, decoded) => {
    expect(decodeQueryComponent(raw)).toBe(decoded);
  });
});

describe("parseQueryString", () => {
  it("splits on ampersands and semicolons", () => {
    expect(parseQueryString("a=1&b=2;c=3")).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["c", "3"],
    ]);
  });

  it("keeps equals signs after the first", () => {
    expect(parseQueryString("a=eq.x=y")).toEqual([["a", "eq.x=y"]]);
  });

  it("skips empty parts and reads a bare name as empty", () => {
    expect(parseQueryString("&a&&b=")).toEqual([
      ["a", ""],
      ["b", ""],
    ]);
  });

  it("decodes names too", () => {
    expect(parseQueryString("instance%5Ftoken=eq.1")).toEqual([["instance_token", "eq.1"]]);
  });
});

describe("parseReadRequest", () => {
  it("reads select, filters and limit", () => {
    expect(parseReadRequest("select=id,%20name&instance_token=eq.a.b&limit=2")).toEqual({
      select: ["id", "name"],
      filters: [{ column: "instance_token", value: "a.b" }],
      limit: 2,
    });
  });

  it("selects every column by default", () => {
    expect(parseReadRequest("")).toEqual({ select: "*", filters: [], limit: undefined });
  });

  it("keeps an empty eq value", () => {
    expect(parseReadRequest("name=eq.").filters).toEqual([{ column: "name", value: "" }]);
  });

  it.each([
    ["an empty select item", "select=id,,name", 400, "PGRST100"],
    ["an empty select", "select=", 400, "PGRST100"],
    ["select given twice", "select=id&select=name", 400, "PGRST100"],
    ["limit given twice", "limit=1&limit=2", 400, "PGRST100"],
    ["a limit that is not a number", "limit=two", 400, "PGRST100"],
    ["a negative limit", "limit=-1", 416, "PGRST103"],
    ["a filter without an operator", "name=Vendas", 400, "PGRST100"],
    ["an unknown operator", "name=noop.Vendas", 400, "PGRST100"],
    ["a cast in select", "select=id::text", 400, "PGRST127"],
    ["an alias in select", "select=key:id", 400, "PGRST127"],
    ["an embedded resource", "select=id,users(email)", 400, "PGRST127"],
    ["a neq filter", "status=neq.connected", 400, "PGRST127"],
    ["an in filter", "status=in.(a,b)", 400, "PGRST127"],
    ["a negated filter", "status=not.eq.connected", 400, "PGRST127"],
    ["order", "order=name", 400, "PGRST127"],
    ["offset", "offset=1", 400, "PGRST127"],
    ["or", "or=(a.eq.1,b.eq.2)", 400, "PGRST127"],
    ["an embedded filter", "users.email=eq.x", 400, "PGRST127"],
  ])("rejects %s", (_case, rawQuery, status, code) => {
    const error = parseError(rawQuery);

    expect(error.status).toBe(status);
    expect(error.body).toMatchObject({ code });
  });

  it("leaves the filter value out of its error", () => {
    const error = parseError("instance_token=secret-token");

    expect(JSON.stringify(error.body)).not.toContain("secret-token");
  });
});
