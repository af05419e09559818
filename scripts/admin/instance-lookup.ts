import { ConfigError } from "./errors.ts";
import { requestJson, TransportError } from "./http.ts";
import { isRecord } from "./json-guards.ts";
import type { SupabaseSettings } from "./settings.ts";
import type { PurgeTally } from "./tally.ts";
import { describeTokenProblem } from "./token-input.ts";

type LookupResult = { ok: true; token: string } | { ok: false; problem: string };

/**
 * Looks up each instance's token through PostgREST, in order. A failed lookup counts as one
 * failed key in the tally, and the other lookups go on. When Supabase is unreachable, every
 * remaining id fails with one message. Throws ConfigError when the service role key is rejected.
 */
export async function lookUpInstanceTokens(
  instanceIds: readonly string[],
  settings: SupabaseSettings,
  tally: PurgeTally,
): Promise<string[]> {
  const tokens: string[] = [];
  for (const [index, id] of instanceIds.entries()) {
    let result: LookupResult;
    try {
      result = await lookUpInstanceToken(id, settings);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      const remaining = instanceIds.length - index;
      tally.recordFailed(remaining, describeUnreachable(error, remaining, settings.supabaseUrl));
      break;
    }
    if (result.ok) tokens.push(result.token);
    else tally.recordFailed(1, result.problem);
  }
  return tokens;
}

async function lookUpInstanceToken(id: string, settings: SupabaseSettings): Promise<LookupResult> {
  const { supabaseUrl, serviceRoleKey } = settings;
  const query = new URLSearchParams({ select: "id,instance_token", id: `eq.${id}` });
  const response = await requestJson(`${supabaseUrl}/rest/v1/whatsapp_instances?${query}`, {
    method: "GET",
    headers: { apikey: serviceRoleKey, Authorization: `Bearer ${serviceRoleKey}` },
  });

  if (response.status === 401 || response.status === 403) {
    throw new ConfigError(
      `Supabase at ${supabaseUrl} rejected SUPABASE_SERVICE_ROLE_KEY (${response.status}); set it to the project's service_role key`,
    );
  }
  if (response.status !== 200 || !Array.isArray(response.body)) {
    const body = response.body;
    const message = isRecord(body) && typeof body.message === "string" ? `: ${body.message}` : "";
    return {
      ok: false,
      problem: `looking up instance ${id} failed: PostgREST at ${supabaseUrl} returned ${response.status}${message}`,
    };
  }

  const row: unknown = response.body[0];
  if (!isRecord(row) || typeof row.instance_token !== "string") {
    return {
      ok: false,
      problem: `instance ${id} not found in whatsapp_instances at ${supabaseUrl}; check the id`,
    };
  }
  const token = row.instance_token.trim();
  const problem = describeTokenProblem(token);
  if (problem !== undefined) {
    // The gateway rejects such a token before any lookup, so it can never have been cached.
    return { ok: false, problem: `instance ${id} has an invalid instance_token: ${problem}` };
  }
  return { ok: true, token };
}

function describeUnreachable(
  error: TransportError,
  remaining: number,
  supabaseUrl: string,
): string {
  const failure =
    error.kind === "timeout"
      ? `timed out after ${error.detail}`
      : `could not be reached (${error.detail})`;
  return `looking up ${remaining} instance(s) failed: Supabase at ${supabaseUrl} ${failure}; start the local stack with \`npm start\` or set SUPABASE_URL`;
}
