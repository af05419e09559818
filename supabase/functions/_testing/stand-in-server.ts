/**
 * Local HTTP stand-ins for PostgREST and the WhatsApp provider in tests. Each one listens on
 * 127.0.0.1 with a port chosen by the system and records every request it receives.
 */

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/** Builds the stand-in's response. The promise from `hang` resolves only when the stand-in closes. */
export type StandInResponder = (
  request: RecordedRequest,
  hang: () => Promise<Response>,
) => Response | Promise<Response>;

export interface StandInServer {
  /** Base URL without a trailing slash, for example "http://127.0.0.1:40123". */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a stand-in server that responds to every request through `respond`. */
export function startStandInServer(respond: StandInResponder): StandInServer {
  const requests: RecordedRequest[] = [];
  const release = Promise.withResolvers<void>();
  const hang = async () => {
    await release.promise;
    return new Response("stand-in closed", { status: 503 });
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const recorded: RecordedRequest = {
        method: request.method,
        url: new URL(request.url),
        headers: request.headers,
        body: await request.text(),
      };
      requests.push(recorded);
      return await respond(recorded, hang);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async close() {
      release.resolve();
      await server.shutdown();
    },
  };
}

/** Withholds the response until the stand-in closes, so the caller's timeout fires first. */
export const hangUntilClosed: StandInResponder = (_request, hang) => hang();

/** Returns a URL on 127.0.0.1 where nothing listens, by opening a port and closing it again. */
export async function unusedLocalUrl(): Promise<string> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    return new Response(null, { status: 204 });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  await server.shutdown();
  return url;
}

/** Builds a JSON response with optional extra headers. */
export function buildJsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "Content-Type": "application/json" },
  });
}
