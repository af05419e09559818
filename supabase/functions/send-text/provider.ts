import { FunctionError } from "../_shared/errors.ts";
import { type BodyPrefix, readBodyPrefix } from "../_shared/http.ts";

/**
 * Maximum number of bytes read from a provider response body. A longer body is cut here and its
 * reply counts as unreadable. uazapi-like replies echo the text, and a text of 65,536 code points
 * takes up to 786,432 bytes in JSON when every code point is escaped as a surrogate pair
 * (\ud83d\ude00, 12 bytes). 1 MiB reads such a reply whole, with room for its other fields.
 */
export const MAX_PROVIDER_RESPONSE_BYTES = 1024 * 1024;

/**
 * HTTP client that keeps no idle connection, so every provider call opens its own. Deno's fetch
 * (checked with Deno 2.9.6) sends a request again when a reused keep-alive connection closes
 * before the response, even a POST that the provider may already have delivered. On a new
 * connection it does not, so a dropped connection fails the send instead of repeating it. The
 * `Connection: close` request header makes a conformant server close the connection after its
 * response, which covers runtimes without Deno.createHttpClient.
 */
const PROVIDER_HTTP_CLIENT =
  typeof Deno.createHttpClient === "function"
    ? Deno.createHttpClient({ poolMaxIdlePerHost: 0 })
    : undefined;

export interface ProviderSendOptions {
  /** uazapi server URL without a trailing slash. */
  baseUrl: string;
  /** The instance's own provider token, sent in the `token` header. */
  providerToken: string;
  number: string;
  text: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

/** The provider's response, with at most MAX_PROVIDER_RESPONSE_BYTES of its body. */
export interface ProviderResponse {
  status: number;
  headers: Headers;
  body: BodyPrefix;
}

/**
 * Sends the text through uazapi's POST /send/text.
 *
 * NOTE: the request shape (header `token`, JSON body {number, text}) follows uazapi's documentation
 * of POST /send/text. The response shape is less certain, see provider-response.ts.
 */
export async function postProviderText(options: ProviderSendOptions): Promise<ProviderResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await options.fetch(`${options.baseUrl}/send/text`, {
      method: "POST",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        Connection: "close",
        token: options.providerToken,
      },
      body: JSON.stringify({ number: options.number, text: options.text }),
      // A followed redirect turns the POST into a GET whose 200 would count as sent, and can carry
      // the provider token to another host. A 3xx is returned as is and mapped to provider_error.
      redirect: "manual",
      signal,
      ...(PROVIDER_HTTP_CLIENT === undefined ? {} : { client: PROVIDER_HTTP_CLIENT }),
    });
  } catch (error) {
    throw toProviderCallError(error, options.timeoutMs);
  }
  // The status has arrived, so it decides the outcome even when the body then fails or times out.
  const body = await readBodyPrefix(response, MAX_PROVIDER_RESPONSE_BYTES);
  return { status: response.status, headers: response.headers, body };
}

function toProviderCallError(error: unknown, timeoutMs: number): FunctionError {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new FunctionError(
      "provider_timeout",
      `The WhatsApp provider did not respond within ${timeoutMs} ms. The message may or may not have been sent.`,
      { cause: error },
    );
  }
  return new FunctionError(
    "provider_unreachable",
    "The WhatsApp provider could not be reached. Retry the request later.",
    { cause: error },
  );
}
