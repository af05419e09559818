/**
 * Bench-only Worker that forwards every request to the send-text stand-in with no token
 * check, no cache and no logging. It is the floor that the gateway is compared with. It runs in
 * workerd and is typed structurally, like the counting gateway entry.
 */

interface BareEnv {
  /** Full URL of the send-text endpoint, e.g. "http://127.0.0.1:28901/functions/v1/send-text". */
  SEND_TEXT_URL: string;
}

export default {
  fetch(request: Request, env: BareEnv): Promise<Response> {
    return fetch(env.SEND_TEXT_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: request.body,
    });
  },
};
