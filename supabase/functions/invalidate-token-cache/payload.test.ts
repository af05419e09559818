import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { FunctionError } from "../_shared/errors.ts";
import { readInstanceChange } from "./payload.ts";
import { INSTANCE_TOKEN, instanceRow, ROTATED_TOKEN, webhookPayload } from "./test-harness.ts";

Deno.test("INSERT affects the new row's token", () => {
  const payload = webhookPayload("INSERT", { record: instanceRow({ instance_token: "new-1" }) });

  deepStrictEqual(readInstanceChange(payload), { type: "INSERT", tokens: ["new-1"] });
});

Deno.test("UPDATE with rotation affects old and new token", () => {
  const payload = webhookPayload("UPDATE", {
    oldRecord: instanceRow(),
    record: instanceRow({ instance_token: ROTATED_TOKEN }),
  });

  deepStrictEqual(readInstanceChange(payload), {
    type: "UPDATE",
    tokens: [INSTANCE_TOKEN, ROTATED_TOKEN],
  });
});

Deno.test("UPDATE of status only affects the token once", () => {
  const payload = webhookPayload("UPDATE", {
    oldRecord: instanceRow({ status: "connected" }),
    record: instanceRow({ status: "disconnected" }),
  });

  deepStrictEqual(readInstanceChange(payload), { type: "UPDATE", tokens: [INSTANCE_TOKEN] });
});

Deno.test("DELETE affects the old row's token", () => {
  const payload = webhookPayload("DELETE", {
    oldRecord: instanceRow({ instance_token: "gone-1" }),
  });

  deepStrictEqual(readInstanceChange(payload), { type: "DELETE", tokens: ["gone-1"] });
});

Deno.test("payload with extra fields is accepted", () => {
  const payload = {
    ...webhookPayload("UPDATE"),
    commit_timestamp: "2026-12-04T00:00:00Z",
    record: instanceRow({ added_column: [1, 2] }),
  };

  deepStrictEqual(readInstanceChange(payload), { type: "UPDATE", tokens: [INSTANCE_TOKEN] });
});

Deno.test("INSERT ignores an old_record that is present", () => {
  const payload = { ...webhookPayload("INSERT"), old_record: instanceRow({ instance_token: 7 }) };

  deepStrictEqual(readInstanceChange(payload), { type: "INSERT", tokens: [INSTANCE_TOKEN] });
});

Deno.test("payload errors are 400 invalid_payload", () => {
  throws(
    () => readInstanceChange({ ...webhookPayload("DELETE"), old_record: null }),
    (error: unknown) => {
      strictEqual(error instanceof FunctionError, true);
      strictEqual((error as FunctionError).status, 400);
      strictEqual((error as FunctionError).code, "invalid_payload");
      return true;
    },
  );
});
