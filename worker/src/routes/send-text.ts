import type { Env } from "../env";
import { requireSendingInstance } from "../instance-access";
import { resolveInstance } from "../instance-resolver";
import { readJsonBody } from "../request-body";
import type { ConfiguredRequest } from "../request-context";
import { forwardSendText } from "../send-text-proxy";
import { parseSendTextBody } from "../send-text-schema";
import { extractToken } from "../token";
import { sha256Hex, tokenHashForLog } from "../token-hash";

/**
 * POST /whatsapp/send-text. The token is checked (format, then instance, then status) before
 * the body is read, so an unauthenticated client always gets a 401, whatever it sent, and its
 * body is never read or parsed.
 */
export async function sendText(
  request: ConfiguredRequest,
  _env: Env,
  ctx: ExecutionContext,
): Promise<Response> {
  const { config, context } = request;
  const { log, requestId, completionFields, timing } = context;

  const token = extractToken(request.headers);
  const tokenDigestHex = await sha256Hex(token);
  completionFields.tokenHash = tokenHashForLog(tokenDigestHex);

  const resolved = await resolveInstance(tokenDigestHex, { config, log, ctx, timing });
  completionFields.instanceSource = resolved.source;
  completionFields.instanceId = resolved.instance?.id;
  const instance = requireSendingInstance(resolved.instance);

  const body = parseSendTextBody(await readJsonBody(request));
  return forwardSendText({
    config,
    log,
    requestId,
    token,
    instanceId: instance.id,
    body,
    timing,
    completionFields,
  });
}
