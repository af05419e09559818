import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../src/errors";
import { buildOpenApiDocument, type OpenApiDocument } from "../src/openapi";
import type { OperationObject, ResponseObject } from "../src/openapi-types";
import { callGateway, GATEWAY_ORIGIN } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

// The Worker's tsconfig has no JSON module support, so the committed file is loaded through a
// specifier that the type check does not resolve. Vite loads it as JSON at run time.
const COMMITTED_DOCUMENT = "../../docs/openapi.json";

function operationsOf(document: OpenApiDocument): Array<[string, string, OperationObject]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, string, OperationObject] => [
      path,
      method,
      operation,
    ]),
  );
}

/** Returns every `$ref` value anywhere in `value`. */
function collectRefs(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(collectRefs);
  }
  if (typeof value !== "object" || value === null) {
    return [];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    key === "$ref" && typeof child === "string" ? [child] : collectRefs(child),
  );
}

function resolvePointer(document: unknown, ref: string): unknown {
  const segments = ref.replace(/^#\//, "").split("/");
  return segments.reduce<unknown>(
    (node, segment) => (node as Record<string, unknown> | undefined)?.[segment],
    document,
  );
}

function errorCodesOf(response: ResponseObject): string[] {
  const schema = response.content?.["application/json"]?.schema as {
    properties: { error: { properties: { code: { enum: string[] } } } };
  };
  return schema.properties.error.properties.code.enum;
}

describe("OpenAPI document", () => {
  const document = buildOpenApiDocument();

  it("is served without credentials", async () => {
    const response = await callGateway(
      new Request(`${GATEWAY_ORIGIN}/openapi.json`, { headers: { "X-Request-ID": "docs-1" } }),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("X-Request-ID")).toBe("docs-1");
    expect(response.headers.get("Server-Timing")).toMatch(/^total;dur=\d+$/);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)));
    expect(t.upstream.calls).toHaveLength(0);
  });

  it("matches docs/openapi.json", async () => {
    const committed = (await import(/* @vite-ignore */ COMMITTED_DOCUMENT)) as { default: unknown };

    // On a failure, regenerate the file with: npx tsx scripts/openapi.ts
    expect(committed.default).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it("has the top-level shape of OpenAPI 3.1", () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.info.version).toEqual(expect.any(String));
    expect(Object.keys(document.paths).length).toBeGreaterThan(0);
    expect(Object.keys(document.components)).toEqual(
      expect.arrayContaining(["schemas", "securitySchemes", "parameters", "headers", "responses"]),
    );
  });

  it("resolves every $ref", () => {
    const refs = collectRefs(document);

    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(resolvePointer(document, ref), ref).toBeDefined();
    }
  });

  it("gives every operation an id, responses and known security", () => {
    const operations = operationsOf(document);
    const ids = operations.map(([, , operation]) => operation.operationId);
    const schemes = Object.keys(document.components.securitySchemes as object);

    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, method, operation] of operations) {
      expect(["get", "post"], `${method} ${path}`).toContain(method);
      expect(operation.responses["200"]?.description, `${method} ${path}`).toEqual(
        expect.any(String),
      );
      const schemeNames = operation.security.flatMap((requirement) => Object.keys(requirement));
      expect(schemes).toEqual(expect.arrayContaining(schemeNames));
    }
  });

  it("lists every route the Worker serves", () => {
    expect(operationsOf(document).map(([path, method]) => `${method} ${path}`)).toEqual([
      "post /whatsapp/send-text",
      "get /health",
      "get /openapi.json",
      "post /admin/cache/purge",
      "get /admin/cache/keys",
    ]);
  });

  it.each([
    ["POST", "/whatsapp/send-text"],
    ["GET", "/health"],
    ["GET", "/openapi.json"],
    ["POST", "/admin/cache/purge"],
    ["GET", "/admin/cache/keys"],
  ])("documented %s %s is routed", async (method, path) => {
    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}${path}`, { method }));

    expect(response.status).not.toBe(404);
    expect(response.status).not.toBe(405);
  });

  it("describes POST /whatsapp/send-text", () => {
    const operation = document.paths["/whatsapp/send-text"]?.post;

    expect(operation?.requestBody?.content["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/SendTextRequest",
    });
    expect(operation?.security).toEqual([{ instanceToken: [] }, { instanceBearer: [] }]);
    expect(operation?.parameters).toEqual([
      { $ref: "#/components/parameters/token" },
      { $ref: "#/components/parameters/X-Request-ID" },
    ]);
    expect(Object.keys(operation?.responses ?? {})).toEqual([
      "200",
      "400",
      "401",
      "413",
      "415",
      "422",
      "429",
      "431",
      "500",
      "502",
      "503",
      "504",
    ]);
    const unauthorized = operation?.responses["401"] as ResponseObject;
    expect(errorCodesOf(unauthorized)).toEqual([
      "missing_token",
      "invalid_token",
      "instance_disconnected",
    ]);
  });

  it("documents every Worker error code", () => {
    const errorResponses = [
      ...operationsOf(document).flatMap(([, , operation]) =>
        Object.entries(operation.responses)
          .filter(([status]) => status !== "200")
          .map(([, response]) => response),
      ),
      ...Object.values(document.components.responses as Record<string, ResponseObject>),
    ];
    const documented = new Set(errorResponses.flatMap(errorCodesOf));

    for (const code of Object.keys(ERROR_STATUS)) {
      expect(documented, code).toContain(code);
    }
  });

  it("gives each error response an example per code", () => {
    for (const [path, method, operation] of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === "200") {
          continue;
        }
        const examples = response.content?.["application/json"]?.examples ?? {};
        expect(Object.keys(examples), `${method} ${path} ${status}`).toEqual(
          errorCodesOf(response),
        );
        expect(response.headers?.["X-Request-ID"], `${method} ${path} ${status}`).toBeDefined();
      }
    }
  });
});
