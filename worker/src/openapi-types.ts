import type { JsonSchema } from "@valibot/to-json-schema";

export type { JsonSchema };

/** A `$ref` to another part of the document, e.g. "#/components/headers/X-Request-ID". */
export interface Reference {
  $ref: string;
}

export interface ExampleObject {
  summary?: string;
  value: unknown;
}

export interface MediaTypeObject {
  schema: JsonSchema | Reference;
  example?: unknown;
  examples?: Record<string, ExampleObject>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, Reference>;
  content?: Record<string, MediaTypeObject>;
}

export interface RequestBodyObject {
  required: boolean;
  description?: string;
  content: Record<string, MediaTypeObject>;
}

export interface ParameterObject {
  name: string;
  in: "header" | "query";
  required?: boolean;
  description: string;
  schema: JsonSchema | Reference;
  example?: unknown;
}

/** Operation security: one alternative per entry, each naming a scheme without scopes. */
export type SecurityRequirement = Record<string, []>;

export interface OperationObject {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: SecurityRequirement[];
  parameters: Array<ParameterObject | Reference>;
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
}

export type PathItemObject = Partial<Record<"get" | "post", OperationObject>>;
