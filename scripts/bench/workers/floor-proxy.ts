/**
 * Bench-only Worker that does the least work a token-checking gateway for this API must do on a
 * cache hit. It hashes the token (the cache key) and finds the digest in a Map (the memory
 * tier). It reads and parses the JSON body, sends the same bytes to send-text with the headers
 * the function expects, and returns the function's response as it came. It has no logging,
 * limits, schema, timeout or error handling.
 * The gap between it and `bare` is the least that checking a token and a body can cost. The
 * gap between it and `memory_hit` is what the gateway's own checks cost. It hashes the token
 * with the gateway's own function, and it runs in workerd like the other bench Workers.
 */

import { sha256Hex } from "../../../worker/src/token-hash.ts";

interface FloorEnv {
  /** Full URL of the send-text endpoint, e.g. "http://127.0.0.1:28901/functions/v1/send-text". */
  SEND_TEXT_URL: string;
}

const decoder = new TextDecoder();
// The Map plays the part of a warm memory tier, so every token counts as found without a lookup.
const knownDigests = new Map<string, string>();

async function instanceIdFor(token: string): Promise<string> {
  const digest = await sha256Hex(token);
  let instanceId = knownDigests.get(digest);
  if (instanceId === undefined) {
    instanceId = crypto.randomUUID();
    knownDigests.set(digest, instanceId);
  }
  return instanceId;
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const token = request.headers.get("token") ?? "";
    const instanceId = await instanceIdFor(token);
    const bytes = await request.arrayBuffer();
    // A gateway cannot check a body without parsing it, so the floor parses it too. The bytes
    // go on unchanged, and the function's response goes back as a stream, as in `bare`.
    JSON.parse(decoder.decode(bytes));
    return fetch(env.SEND_TEXT_URL, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        apikey: "bench-floor",
        Authorization: "Bearer bench-floor",
        token,
        "X-Instance-ID": instanceId,
        "X-Gateway-Secret": "bench-floor",
      },
      body: bytes,
    });
  },
};
