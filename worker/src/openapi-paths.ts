import {
  buildErrorResponses,
  type DocumentedErrorCode,
  EXAMPLE_REQUEST_ID,
  RELAYED_FUNCTION_CODES,
  responseHeaders,
} from "./openapi-errors";
import type { OperationObject, PathItemObject, Reference, ResponseObject } from "./openapi-types";
import { MAX_CURSOR_LENGTH, MAX_PAGE_KEYS, MAX_PURGE_TOKENS } from "./purge-request";
import { MAX_BODY_BYTES } from "./request-body";
import { MAX_PURGE_BODY_BYTES } from "./routes/cache-purge";

/** Path of the route that serves this document. */
export const OPENAPI_DOCUMENT_PATH = "/openapi.json";

// Every route passes the configuration check first and can fail unexpectedly.
const EVERY_ROUTE_CODES: DocumentedErrorCode[] = ["gateway_misconfigured", "internal_error"];
const JSON_BODY_CODES: DocumentedErrorCode[] = [
  "invalid_json",
  "invalid_body",
  "payload_too_large",
  "unsupported_media_type",
];
const ADMIN_CODES: DocumentedErrorCode[] = [
  "missing_admin_secret",
  "invalid_admin_secret",
  "admin_disabled",
  "cache_unavailable",
  ...EVERY_ROUTE_CODES,
];

const REQUEST_ID_PARAMETER: Reference = { $ref: "#/components/parameters/X-Request-ID" };
const TOKEN_PARAMETER: Reference = { $ref: "#/components/parameters/token" };

function schemaRef(name: string): Reference {
  return { $ref: `#/components/schemas/${name}` };
}

function jsonResponse(description: string, schemaName: string, example: unknown): ResponseObject {
  return {
    description,
    headers: responseHeaders(),
    content: { "application/json": { schema: schemaRef(schemaName), example } },
  };
}

function sendTextOperation(): OperationObject {
  return {
    operationId: "sendText",
    summary: "Send a text message",
    description:
      "Sends one text message through the WhatsApp instance that owns the token. The token is " +
      "checked (format, then instance, then status) before the body is read, so a request " +
      `without a valid token gets 401 whatever it sent. The body may be at most ${MAX_BODY_BYTES} ` +
      "bytes (1 MiB), enough for the longest text with every character written as a JSON \\u " +
      "escape. Errors of the send-text Edge Function and of the WhatsApp provider are relayed " +
      "unchanged.",
    tags: ["messages"],
    security: [{ instanceToken: [] }, { instanceBearer: [] }],
    parameters: [TOKEN_PARAMETER, REQUEST_ID_PARAMETER],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: schemaRef("SendTextRequest"),
          example: { number: "5511999999999", text: "Olá do João" },
        },
      },
    },
    responses: {
      "200": jsonResponse("The provider accepted the message.", "SendTextResponse", {
        status: "sent",
        messageId: "3EB0789F3EB9A08563CB",
        requestId: EXAMPLE_REQUEST_ID,
      }),
      ...buildErrorResponses([
        ...JSON_BODY_CODES,
        "missing_token",
        "invalid_token",
        "instance_disconnected",
        "upstream_error",
        "database_unavailable",
        "upstream_timeout",
        ...RELAYED_FUNCTION_CODES,
        ...EVERY_ROUTE_CODES,
      ]),
    },
  };
}

function healthOperation(): OperationObject {
  return {
    operationId: "getHealth",
    summary: "Check liveness",
    description:
      "Returns 200 once the Worker's settings are valid, without touching KV or the database. A " +
      "deployment with a missing secret returns 500 gateway_misconfigured here too.",
    tags: ["operations"],
    security: [],
    parameters: [REQUEST_ID_PARAMETER],
    responses: {
      "200": jsonResponse("The Worker is configured.", "HealthResponse", { status: "ok" }),
      ...buildErrorResponses(EVERY_ROUTE_CODES),
    },
  };
}

function openApiDocumentOperation(): OperationObject {
  return {
    operationId: "getOpenApiDocument",
    summary: "Get this OpenAPI document",
    description: "Returns this document. It needs no credentials.",
    tags: ["operations"],
    security: [],
    parameters: [REQUEST_ID_PARAMETER],
    responses: {
      "200": {
        description: "The OpenAPI 3.1 document of the gateway.",
        headers: responseHeaders(),
        content: { "application/json": { schema: { type: "object" } } },
      },
      ...buildErrorResponses(EVERY_ROUTE_CODES),
    },
  };
}

function purgeCacheOperation(): OperationObject {
  return {
    operationId: "purgeTokenCache",
    summary: "Purge cached token lookups",
    description:
      "Deletes cached token lookups from KV and from the serving isolate's memory tier: the " +
      `listed tokens (1 to ${MAX_PURGE_TOKENS}), or one page of up to ${MAX_PAGE_KEYS} keys ` +
      "with `all`. Deleting a key that is not cached counts as purged, so a retry is safe. " +
      "Repeat a purge of all keys with the returned cursor until it is null. Other isolates may " +
      "keep a purged lookup in memory for up to MEMORY_CACHE_TTL_SECONDS. The admin secret is " +
      `checked before the body, which may be at most ${MAX_PURGE_BODY_BYTES} bytes, is read.`,
    tags: ["admin"],
    security: [{ adminSecret: [] }],
    parameters: [REQUEST_ID_PARAMETER],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: { oneOf: [schemaRef("PurgeTokensRequest"), schemaRef("PurgeAllRequest")] },
          examples: {
            tokens: { summary: "Purge two tokens", value: { tokens: ["abc123", "def456"] } },
            all: { summary: "Purge the first page of all keys", value: { all: true, limit: 500 } },
          },
        },
      },
    },
    responses: {
      "200": {
        description:
          "The keys were deleted. A purge by token returns the first 8 hex characters of each " +
          "key's token digest; a purge of all keys returns the cursor of the next page, or null.",
        headers: responseHeaders(),
        content: {
          "application/json": {
            schema: { oneOf: [schemaRef("PurgeTokensResponse"), schemaRef("PurgePageResponse")] },
            examples: {
              tokens: { value: { purged: 2, keys: ["6ca13d52", "8f61ad5c"] } },
              all: { value: { purged: 500, cursor: "AAAAAFpTU0Vr" } },
            },
          },
        },
      },
      ...buildErrorResponses([...JSON_BODY_CODES, ...ADMIN_CODES], {
        invalid_body: "tokens[2]: the token is empty",
        payload_too_large: `Request body: larger than the limit of ${MAX_PURGE_BODY_BYTES} bytes`,
      }),
    },
  };
}

function listCacheKeysOperation(): OperationObject {
  return {
    operationId: "listTokenCacheKeys",
    summary: "List cached token keys",
    description:
      "Lists one page of cached token keys, each as the first 8 hex characters of its token " +
      "digest: a dry run of a purge of all keys. An empty parameter counts as left out.",
    tags: ["admin"],
    security: [{ adminSecret: [] }],
    parameters: [
      {
        name: "cursor",
        in: "query",
        description: "The cursor returned by the previous page; leave it out for the first page.",
        schema: { type: "string", maxLength: MAX_CURSOR_LENGTH },
      },
      {
        name: "limit",
        in: "query",
        description: "Maximum number of keys in the page.",
        schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_KEYS, default: MAX_PAGE_KEYS },
      },
      REQUEST_ID_PARAMETER,
    ],
    responses: {
      "200": jsonResponse("One page of keys.", "CacheKeysResponse", {
        keys: ["6ca13d52", "8f61ad5c"],
        cursor: null,
      }),
      ...buildErrorResponses(["invalid_query", ...ADMIN_CODES]),
    },
  };
}

/** Builds the paths object: every route the Worker serves, keyed by path. */
export function buildPaths(): Record<string, PathItemObject> {
  return {
    "/whatsapp/send-text": { post: sendTextOperation() },
    "/health": { get: healthOperation() },
    [OPENAPI_DOCUMENT_PATH]: { get: openApiDocumentOperation() },
    "/admin/cache/purge": { post: purgeCacheOperation() },
    "/admin/cache/keys": { get: listCacheKeysOperation() },
  };
}
