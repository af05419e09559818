import * as v from "valibot";

export const INSTANCE_STATUSES = ["connected", "connecting", "disconnected"] as const;

/**
 * The columns the gateway reads from whatsapp_instances, as PostgREST returns them. Unknown
 * columns are dropped, so nothing but these four fields reaches the cache.
 */
export const InstanceRecordSchema = v.object({
  id: v.pipe(v.string(), v.uuid()),
  user_id: v.pipe(v.string(), v.uuid()),
  name: v.string(),
  status: v.picklist(INSTANCE_STATUSES),
});

export type InstanceRecord = v.InferOutput<typeof InstanceRecordSchema>;
