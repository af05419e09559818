import { buildOpenApiDocument } from "../openapi";

// Built on the first request and kept for the life of the isolate, because the document depends
// only on the code, never on the request or the configuration.
let documentJson: string | undefined;

/** GET /openapi.json: the OpenAPI 3.1 document of this API. It needs no credentials. */
export function serveOpenApiDocument(): Response {
  documentJson ??= JSON.stringify(buildOpenApiDocument());
  return new Response(documentJson, {
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}
