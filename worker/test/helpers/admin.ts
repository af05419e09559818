import { GATEWAY_ORIGIN, TEST_ADMIN_SECRET } from "./gateway";

export interface AdminRequestOptions {
  /** Value of the Authorization header; null leaves the header out. */
  authorization?: string | null;
  headers?: Record<string, string>;
}

function adminHeaders(options: AdminRequestOptions): Headers {
  const headers = new Headers(options.headers);
  const authorization =
    options.authorization === undefined ? `Bearer ${TEST_ADMIN_SECRET}` : options.authorization;
  if (authorization !== null) {
    headers.set("Authorization", authorization);
  }
  return headers;
}

/** Builds POST /admin/cache/purge with the test admin secret; a string body is sent as is. */
export function purgeRequest(body: unknown, options: AdminRequestOptions = {}): Request {
  const headers = adminHeaders(options);
  if (!headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }
  const rawBody = typeof body === "string" ? body : JSON.stringify(body);
  return new Request(`${GATEWAY_ORIGIN}/admin/cache/purge`, {
    method: "POST",
    headers,
    body: rawBody,
  });
}

/** Builds GET /admin/cache/keys with the test admin secret and the given query string. */
export function keysRequest(query = "", options: AdminRequestOptions = {}): Request {
  return new Request(`${GATEWAY_ORIGIN}/admin/cache/keys${query}`, {
    headers: adminHeaders(options),
  });
}
