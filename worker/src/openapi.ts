import { buildErrorResponse } from "./openapi-errors";
import { buildPaths } from "./openapi-paths";
import { buildComponentSchemas } from "./openapi-schemas";
import type { ParameterObject, PathItemObject, ResponseObject } from "./openapi-types";

/** The OpenAPI document of the gateway's HTTP API. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, PathItemObject>;
  components: Record<string, unknown>;
}

export const OPENAPI_VERSION = "3.1.0";

/** Version of the HTTP API. It changes when a route, field or code changes meaning. */
export const API_VERSION = "1.0.0";

const API_DESCRIPTION = `One HTTP API for sending WhatsApp messages from many instances. Each instance \
has its own token, sent in the \`token\` header or as \`Authorization: Bearer <token>\`.

Every error has the shape \`{"error": {"code", "message"}, "requestId"}\`. Every response carries \
\`X-Request-ID\` and \`Server-Timing\`. A 401 always concerns the client's token or instance; \
faults of the gateway's own credentials are 500 or 502.

Any path outside this document returns 404 \`not_found\`, and a known path under another method \
returns 405 \`method_not_allowed\` with an \`Allow\` header (see components/responses). Request \
headers over 16,384 bytes in total return 431 \`headers_too_large\` on every route.`;

const REQUEST_ID_PARAMETER: ParameterObject = {
  name: "X-Request-ID",
  in: "header",
  required: false,
  description:
    "Reused for the response and the logs, and forwarded to the send-text function, when it " +
    "matches the pattern. Otherwise the gateway makes a new UUID.",
  schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,64}$" },
  example: "order-4711",
};

const TOKEN_PARAMETER: ParameterObject = {
  name: "token",
  in: "header",
  required: false,
  description:
    "The instance token. Send it here or as `Authorization: Bearer <token>`; when both are " +
    "sent they must be equal. A header sent twice arrives joined with `, ` and is rejected.",
  schema: { $ref: "#/components/schemas/InstanceToken" },
  example: "abc123",
};

function buildComponents(): Record<string, unknown> {
  return {
    schemas: buildComponentSchemas(),
    securitySchemes: {
      instanceToken: {
        type: "apiKey",
        in: "header",
        name: "token",
        description: "The instance token.",
      },
      instanceBearer: {
        type: "http",
        scheme: "bearer",
        description: "The instance token as `Authorization: Bearer <token>`.",
      },
      adminSecret: {
        type: "http",
        scheme: "bearer",
        description: "The Worker's ADMIN_SECRET as `Authorization: Bearer <ADMIN_SECRET>`.",
      },
    },
    parameters: { "X-Request-ID": REQUEST_ID_PARAMETER, token: TOKEN_PARAMETER },
    headers: {
      "X-Request-ID": {
        description: "The request id: the caller's X-Request-ID when valid, else a new UUID.",
        schema: { type: "string" },
      },
      "Server-Timing": {
        description:
          'Time spent per phase in milliseconds: `cache;desc="memory|kv|miss"`, `db` when ' +
          "PostgREST was queried, `upstream` for the send-text function, and `total`.",
        schema: { type: "string" },
        example: 'cache;desc="miss";dur=1, db;dur=38, upstream;dur=412, total;dur=455',
      },
      "Retry-After": {
        description: "Seconds to wait before retrying.",
        schema: { type: "integer", minimum: 0 },
      },
      Allow: { description: "The methods the path accepts.", schema: { type: "string" } },
    },
    responses: buildFallbackResponses(),
  };
}

function buildFallbackResponses(): Record<string, ResponseObject> {
  const methodNotAllowed = buildErrorResponse(["method_not_allowed"]);
  methodNotAllowed.headers = {
    ...methodNotAllowed.headers,
    Allow: { $ref: "#/components/headers/Allow" },
  };
  return {
    NotFound: buildErrorResponse(["not_found"]),
    MethodNotAllowed: methodNotAllowed,
    HeadersTooLarge: buildErrorResponse(["headers_too_large"]),
  };
}

/** Builds the OpenAPI 3.1 document from the routes' schemas and the error tables. */
export function buildOpenApiDocument(): OpenApiDocument {
  return {
    openapi: OPENAPI_VERSION,
    info: { title: "WhatsApp Edge Gateway", version: API_VERSION, description: API_DESCRIPTION },
    servers: [{ url: "/", description: "The gateway that serves this document" }],
    tags: [
      { name: "messages", description: "Sending messages with an instance token" },
      { name: "operations", description: "Health check and this document" },
      { name: "admin", description: "Token cache maintenance with ADMIN_SECRET" },
    ],
    paths: withHeaderLimitResponses(buildPaths()),
    components: buildComponents(),
  };
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Adds 431 to every operation, because the header limit runs before every route. */
function withHeaderLimitResponses(
  paths: Record<string, PathItemObject>,
): Record<string, PathItemObject> {
  for (const pathItem of Object.values(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = (pathItem as Record<string, { responses?: Record<string, unknown> }>)[
        method
      ];
      if (operation?.responses !== undefined) {
        operation.responses["431"] = buildErrorResponse(["headers_too_large"]);
      }
    }
  }
  return paths;
}
