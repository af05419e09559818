/** GET /health: a liveness probe that touches neither KV nor the database. */
export function health(): Response {
  return Response.json({ status: "ok" });
}
