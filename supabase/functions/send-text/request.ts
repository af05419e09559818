import { FunctionError } from "../_shared/errors.ts";
import { BodyTooLargeError, readBoundedText } from "../_shared/http.ts";

/**
 * Largest accepted body, 512 KiB. The Worker forwards {number, text} re-serialised with
 * JSON.stringify, whatever escapes the client used, and its text rule allows 65,536 code points.
 * JSON.stringify writes each code point in at most 6 bytes: an emoji takes 4 bytes of UTF-8 and a
 * control character an escape such as \u0001. The text thus takes at most 393,216 bytes here,
 * although the Worker accepts client bodies of up to 1 MiB for clients that escape every character.
 */
export const MAX_BODY_BYTES = 512 * 1024;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The parts of a send request that the function acts on. */
export interface SendTextRequest {
  instanceId: string;
  token: string;
  number: string;
  text: string;
}

/**
 * Reads and checks X-Instance-ID, the token header and the JSON body. The Worker has already
 * validated the number and text formats, so this only makes sure malformed input is rejected
 * with a 4xx instead of crashing the function.
 */
export async function readSendTextRequest(request: Request): Promise<SendTextRequest> {
  const instanceId = readInstanceId(request);
  const token = request.headers.get("token");
  if (token === null || token === "") {
    throw new FunctionError("invalid_token", "The token header is missing.");
  }
  const body = await readJsonBody(request);
  return { instanceId, token, ...readMessage(body) };
}

function readInstanceId(request: Request): string {
  const instanceId = request.headers.get("x-instance-id");
  if (instanceId === null || instanceId === "") {
    throw new FunctionError("invalid_instance_id", "The X-Instance-ID header is missing.");
  }
  if (!UUID_PATTERN.test(instanceId)) {
    throw new FunctionError("invalid_instance_id", "The X-Instance-ID header must be a UUID.");
  }
  return instanceId.toLowerCase();
}

async function readJsonBody(request: Request): Promise<unknown> {
  let text: string;
  try {
    text = await readBoundedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new FunctionError(
        "payload_too_large",
        `The request body must be at most ${MAX_BODY_BYTES} bytes.`,
      );
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new FunctionError("invalid_json", "The request body must be valid JSON.");
  }
}

function readMessage(body: unknown): { number: string; text: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new FunctionError("invalid_body", "The request body must be a JSON object.");
  }
  const fields = body as Record<string, unknown>;
  return {
    number: readNonBlankString(fields.number, "number"),
    text: readNonBlankString(fields.text, "text"),
  };
}

function readNonBlankString(value: unknown, field: string): string {
  if (value === undefined || value === null) {
    throw new FunctionError("invalid_body", `The field "${field}" is missing.`);
  }
  if (typeof value !== "string") {
    throw new FunctionError("invalid_body", `The field "${field}" must be a string.`);
  }
  if (value.trim() === "") {
    throw new FunctionError("invalid_body", `The field "${field}" must not be blank.`);
  }
  return value;
}
