import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { answerSent, hangUntilAborted, type UpstreamHandler } from "./helpers/upstream";

const t = useGatewayTest();

const UNEXPECTED = "The send-text function returned an unexpected response; try again later";

const FAULTS: Array<[string, UpstreamHandler, number, string, string]> = [
  [
    "an HTML 500 page",
    () => new Response("<html>Internal Server Error</html>", { status: 500 }),
    502,
    "upstream_error",
    UNEXPECTED,
  ],
  [
    "a platform 401",
    () => Response.json({ msg: "Invalid JWT" }, { status: 401 }),
    502,
    "upstream_error",
    UNEXPECTED,
  ],
  [
    "a network error",
    () => Promise.reject(new TypeError("Network connection lost.")),
    502,
    "upstream_error",
    "The send-text function could not be reached",
  ],
  [
    "a timeout",
    hangUntilAborted,
    504,
    "upstream_timeout",
    "The send-text function timed out; the message may or may not have been sent",
  ],
];

describe("send-text function faults", () => {
  it.each(FAULTS)(
    "function %s is not retried, then recovers",
    async (_case, handler, status, code, message) => {
      const gatewayEnv = testEnv({ SEND_TEXT_TIMEOUT_MS: "30" });
      t.upstream.onSendText(handler);

      const failed = await callGateway(sendTextRequest(), gatewayEnv);

      await expectError(failed, status, code, message);
      expect(t.upstream.sendTextCalls()).toHaveLength(1);

      t.upstream.onSendText(answerSent);
      const recovered = await callGateway(sendTextRequest(), gatewayEnv);

      expect(recovered.status).toBe(200);
      expect(await recovered.json()).toMatchObject({ status: "sent" });
      expect(t.upstream.sendTextCalls()).toHaveLength(2);
      expect(t.upstream.postgrestCalls()).toHaveLength(1);
    },
  );
});
