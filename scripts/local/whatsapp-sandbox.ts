/**
 * WhatsApp sandbox: a local stand-in for the uazapi provider. It speaks the part of uazapi's API
 * that the send-text function uses (POST /send/text), records every accepted message instead of
 * delivering it, and lets tests read and clear that record.
 *
 * Routes:
 *   POST   /send/text          uazapi-like send; header `token` must be a known provider token
 *   GET    /messages           accepted messages, oldest first
 *   DELETE /messages           deletes every recorded message
 *   POST   /__sandbox/faults   makes the next sends fail, for example with 429, "connection closed",
 *                              a redirect, a body that is not JSON, or a connection closed
 *                              without a response
 *   DELETE /__sandbox/faults   clears the queued faults
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Largest accepted request body. uazapi's own limit is not known, so this is a chosen value. */
export const SANDBOX_MAX_BODY_BYTES = 1024 * 1024;
/** Oldest messages are dropped past this count, so a long benchmark cannot exhaust memory. */
export const SANDBOX_MAX_RECORDED_MESSAGES = 10_000;
const MAX_FAULT_DELAY_MS = 60_000;
const MAX_FAULT_TIMES = 1_000;

export interface WhatsAppSandboxOptions {
  host: string;
  /** TCP port; 0 picks a free one, which the returned `url` reports. */
  port: number;
  /** Provider tokens accepted in the `token` header. */
  providerTokens: string[];
}

export interface SandboxMessage {
  number: string;
  text: string;
}

export interface WhatsAppSandbox {
  url: string;
  /** Copies of the accepted messages, oldest first. */
  messages(): SandboxMessage[];
  close(): Promise<void>;
}

/**
 * A response that replaces the next `times` successful sends. The message is then not recorded,
 * as a failed send would not be delivered. Body of POST /__sandbox/faults:
 * {"status": 500, "body": {"error": "connection closed"}, "headers": {}, "delayMs": 0, "times": 1}
 * "rawBody": "<text>" in place of "body" sends that text as is, as text/plain unless `headers`
 * sets a Content-Type, for a provider whose reply is not JSON.
 * With "closeConnection": true the sandbox closes the connection after `delayMs` without any
 * response, as a provider that crashes mid-request does; `status` may then be left out.
 */
interface SandboxFault {
  status: number;
  body: unknown;
  rawBody: string | undefined;
  headers: Record<string, string>;
  delayMs: number;
  times: number;
  closeConnection: boolean;
}

interface SandboxState {
  providerTokens: ReadonlySet<string>;
  messages: SandboxMessage[];
  faults: SandboxFault[];
}

/** Starts the sandbox and resolves once it listens. */
export async function startWhatsAppSandbox(
  options: WhatsAppSandboxOptions,
): Promise<WhatsAppSandbox> {
  const state: SandboxState = {
    providerTokens: new Set(options.providerTokens),
    messages: [],
    faults: [],
  };
  const server = createServer((request, response) => {
    handleRequest({ state, request, response }).catch(() => {
      sendJson(response, 500, { error: "Internal sandbox error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    messages: () => state.messages.map((message) => ({ ...message })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A request and its response, as passed to each route handler. */
interface Exchange {
  state: SandboxState;
  request: IncomingMessage;
  response: ServerResponse;
}

type RouteHandler = (exchange: Exchange) => Promise<void>;

const ROUTES: Record<string, Record<string, RouteHandler>> = {
  "/send/text": { POST: handleSendText },
  "/messages": { GET: handleListMessages, DELETE: handleClearMessages },
  "/__sandbox/faults": { POST: handleQueueFault, DELETE: handleClearFaults },
};

async function handleRequest(exchange: Exchange): Promise<void> {
  const { request, response } = exchange;
  const { pathname } = new URL(request.url ?? "/", "http://sandbox");
  const methods = Object.hasOwn(ROUTES, pathname) ? ROUTES[pathname] : undefined;
  const method = request.method ?? "";
  const handler = methods && Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (handler !== undefined) {
    await handler(exchange);
    return;
  }
  request.resume();
  if (methods === undefined) {
    sendJson(response, 404, { error: "Not found" });
  } else {
    const allow = Object.keys(methods).join(", ");
    sendJson(response, 405, { error: "Method not allowed" }, { Allow: allow });
  }
}

async function handleSendText({ state, request, response }: Exchange): Promise<void> {
  const token = request.headers.token;
  if (typeof token !== "string" || !state.providerTokens.has(token)) {
    request.resume();
    sendJson(response, 401, { error: "Invalid token" });
    return;
  }
  const body = await readJsonBody(request, response);
  if (body === undefined) {
    return;
  }
  const message = readMessage(body);
  if (typeof message === "string") {
    sendJson(response, 400, { error: message });
    return;
  }
  const fault = takeFault(state);
  if (fault !== undefined) {
    await delay(fault.delayMs);
    if (fault.closeConnection) {
      request.socket.destroy();
      return;
    }
    sendFault(response, fault);
    return;
  }
  recordMessage(state, message);
  sendJson(response, 200, buildSentResponse(message));
}

async function handleListMessages({ state, response }: Exchange): Promise<void> {
  sendJson(response, 200, state.messages);
}

async function handleClearMessages({ state, response }: Exchange): Promise<void> {
  state.messages.length = 0;
  response.writeHead(204).end();
}

async function handleQueueFault({ state, request, response }: Exchange): Promise<void> {
  const body = await readJsonBody(request, response);
  if (body === undefined) {
    return;
  }
  const fault = readFault(body);
  if (typeof fault === "string") {
    sendJson(response, 400, { error: fault });
    return;
  }
  state.faults.push(fault);
  sendJson(response, 200, { queued: state.faults.length });
}

async function handleClearFaults({ state, response }: Exchange): Promise<void> {
  state.faults.length = 0;
  response.writeHead(204).end();
}

/** Returns the fault, or the error text of a 400 response. */
function readFault(body: unknown): SandboxFault | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "Body must be a JSON object";
  }
  const {
    closeConnection = false,
    status = closeConnection === true ? 200 : undefined,
    body: faultBody = {},
    rawBody,
    headers = {},
    delayMs = 0,
    times = 1,
  } = body as Record<string, unknown>;
  if (typeof closeConnection !== "boolean") {
    return "closeConnection must be true or false";
  }
  if (!isIntegerBetween(status, 200, 599)) {
    return "status must be an HTTP status from 200 to 599";
  }
  if (rawBody !== undefined && typeof rawBody !== "string") {
    return "rawBody must be a string";
  }
  if (rawBody !== undefined && "body" in body) {
    return "give body or rawBody, not both";
  }
  if (!isStringRecord(headers)) {
    return "headers must be an object of strings";
  }
  if (!isIntegerBetween(delayMs, 0, MAX_FAULT_DELAY_MS)) {
    return `delayMs must be a whole number from 0 to ${MAX_FAULT_DELAY_MS}`;
  }
  if (!isIntegerBetween(times, 1, MAX_FAULT_TIMES)) {
    return `times must be a whole number from 1 to ${MAX_FAULT_TIMES}`;
  }
  return { status, body: faultBody, rawBody, headers, delayMs, times, closeConnection };
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string")
  );
}

/** Returns the fault that replaces this send's response, using up one of its `times`. */
function takeFault(state: SandboxState): SandboxFault | undefined {
  const fault = state.faults[0];
  if (fault === undefined) {
    return undefined;
  }
  fault.times -= 1;
  if (fault.times === 0) {
    state.faults.shift();
  }
  return fault;
}

/** Waits without keeping the process alive, so close() is never held up by a delayed fault. */
function delay(ms: number): Promise<void> {
  return ms === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Returns the message, or the error text of a 400 response. */
function readMessage(body: unknown): SandboxMessage | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "Body must be a JSON object";
  }
  const { number, text } = body as Record<string, unknown>;
  if (typeof number !== "string" || number.trim() === "") {
    return "Missing number";
  }
  if (typeof text !== "string" || text.trim() === "") {
    return "Missing text";
  }
  return { number, text };
}

function recordMessage(state: SandboxState, message: SandboxMessage): void {
  state.messages.push(message);
  if (state.messages.length > SANDBOX_MAX_RECORDED_MESSAGES) {
    state.messages.shift();
  }
}

/** Builds a uazapi-like response body for an accepted send. */
function buildSentResponse(message: SandboxMessage): Record<string, unknown> {
  const chatid = message.number.includes("@") ? message.number : `${message.number}@s.whatsapp.net`;
  return {
    id: `r${randomBytes(4).toString("hex")}`,
    messageid: `3EB0${randomBytes(8).toString("hex").toUpperCase()}`,
    chatid,
    fromMe: true,
    messageType: "Conversation",
    messageTimestamp: Date.now(),
    text: message.text,
    status: "Pending",
  };
}

/** Parses the JSON body, or sends 400 or 413 itself and returns undefined. */
async function readJsonBody(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  const declaredBytes = Number(request.headers["content-length"] ?? 0);
  const body = declaredBytes > SANDBOX_MAX_BODY_BYTES ? undefined : await readBoundedBody(request);
  if (body === undefined) {
    rejectTooLarge(response);
    return undefined;
  }
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    sendJson(response, 400, { error: "Invalid JSON body" });
    return undefined;
  }
}

/** Reads the body, or stops reading and returns undefined once it passes the size limit. */
function readBoundedBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let totalBytes = 0;
    const onData = (chunk: Buffer) => {
      totalBytes += chunk.byteLength;
      if (totalBytes > SANDBOX_MAX_BODY_BYTES) {
        request.off("data", onData);
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () => resolve(Buffer.concat(chunks)));
    request.once("error", reject);
  });
}

/** Sends 413 and closes the connection, so the rest of the body is never read. */
function rejectTooLarge(response: ServerResponse): void {
  const error = `Body larger than ${SANDBOX_MAX_BODY_BYTES} bytes`;
  sendJson(response, 413, { error }, { Connection: "close" });
}

function sendFault(response: ServerResponse, fault: SandboxFault): void {
  if (fault.rawBody === undefined) {
    sendJson(response, fault.status, fault.body, fault.headers);
    return;
  }
  // setHeader matches names case-insensitively, so a content-type in `headers` replaces the default.
  response.setHeader("Content-Type", "text/plain");
  for (const [name, value] of Object.entries(fault.headers)) {
    response.setHeader(name, value);
  }
  response.writeHead(fault.status);
  response.end(fault.rawBody);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    return;
  }
  response.writeHead(status, { ...headers, "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}
