import { GatewayError } from "./errors";
import type { InstanceRecord } from "./instance-record";

/**
 * Returns the instance when it may send, or throws 401: invalid_token when no instance has the
 * token, instance_disconnected when the instance is not connected.
 */
export function requireSendingInstance(instance: InstanceRecord | null): InstanceRecord {
  if (instance === null) {
    throw new GatewayError("invalid_token", "Invalid token: no WhatsApp instance has this token");
  }
  switch (instance.status) {
    case "connected":
      return instance;
    case "disconnected":
      throw new GatewayError("instance_disconnected", "Instance is disconnected");
    case "connecting":
      throw new GatewayError(
        "instance_disconnected",
        "Instance is still connecting; retry once it is connected",
      );
  }
}
