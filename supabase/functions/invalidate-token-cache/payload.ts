import { FunctionError } from "../_shared/errors.ts";

/** The only table whose changes this function handles. */
export const INSTANCES_TABLE = "whatsapp_instances";
export const INSTANCES_SCHEMA = "public";

const EVENT_TYPES = ["INSERT", "UPDATE", "DELETE"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The same rule as the Worker and the database check: 1..256 characters from 0x21 to 0x7E. */
const INSTANCE_TOKEN_PATTERN = /^[\x21-\x7E]{1,256}$/;

/** A row change and the instance tokens whose cache entries it makes stale. */
export interface InstanceChange {
  type: EventType;
  /** Distinct tokens, the old row's before the new row's. */
  tokens: string[];
}

type JsonObject = Record<string, unknown>;

/**
 * Validates a Supabase Database Webhook payload for public.whatsapp_instances and returns the
 * affected tokens. INSERT affects the new row's token, DELETE the old row's, and UPDATE both, so
 * a rotated token is purged under its old and its new value. Fields that are not needed are
 * ignored.
 */
export function readInstanceChange(payload: unknown): InstanceChange {
  if (!isJsonObject(payload)) {
    throw invalidPayload("The request body must be a JSON object.");
  }
  requireLiteral(payload, "table", INSTANCES_TABLE);
  requireLiteral(payload, "schema", INSTANCES_SCHEMA);
  const type = readEventType(payload);
  const tokens: string[] = [];
  if (type !== "INSERT") {
    tokens.push(readToken(payload, "old_record", type));
  }
  if (type !== "DELETE") {
    tokens.push(readToken(payload, "record", type));
  }
  return { type, tokens: [...new Set(tokens)] };
}

function readEventType(payload: JsonObject): EventType {
  const type = payload.type;
  if (type === undefined || type === null) {
    throw invalidPayload('The field "type" is missing.');
  }
  const eventType = EVENT_TYPES.find((candidate) => candidate === type);
  if (eventType === undefined) {
    throw invalidPayload('The field "type" must be "INSERT", "UPDATE" or "DELETE".');
  }
  return eventType;
}

function requireLiteral(payload: JsonObject, field: string, expected: string): void {
  if (payload[field] === undefined || payload[field] === null) {
    throw invalidPayload(`The field "${field}" is missing.`);
  }
  if (payload[field] !== expected) {
    throw invalidPayload(`The field "${field}" must be "${expected}".`);
  }
}

function readToken(
  payload: JsonObject,
  rowField: "record" | "old_record",
  type: EventType,
): string {
  const row = payload[rowField];
  if (!isJsonObject(row)) {
    throw invalidPayload(`The field "${rowField}" must be an object when "type" is "${type}".`);
  }
  const field = `${rowField}.instance_token`;
  const token = row.instance_token;
  if (token === undefined || token === null) {
    throw invalidPayload(`The field "${field}" is missing.`);
  }
  if (typeof token !== "string") {
    throw invalidPayload(`The field "${field}" must be a string.`);
  }
  if (!INSTANCE_TOKEN_PATTERN.test(token)) {
    throw invalidPayload(
      `The field "${field}" must be 1 to 256 printable ASCII characters without white space.`,
    );
  }
  return token;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidPayload(message: string): FunctionError {
  return new FunctionError("invalid_payload", message);
}
