/**
 * Entry of the child process that runs the upstream stand-ins, so they do not share an event
 * loop with the load generator. Settings arrive as JSON in argv[2]. The child sends its URL
 * over IPC and exits when the parent disconnects.
 */
import { buildInstanceTable } from "./tokens.ts";
import { startUpstream } from "./upstream.ts";
import type { UpstreamChildSettings } from "./upstream-launcher.ts";

const settings = JSON.parse(process.argv[2] ?? "{}") as UpstreamChildSettings;
const upstream = await startUpstream({
  dbDelayMs: settings.dbDelayMs,
  serviceRoleKey: settings.serviceRoleKey,
  table: buildInstanceTable(settings.tokenSets),
});
process.once("disconnect", () => {
  upstream.close().finally(() => process.exit(0));
});
process.send?.({ url: upstream.url });
