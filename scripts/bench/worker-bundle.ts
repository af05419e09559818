import { readFile } from "node:fs/promises";
import path from "node:path";
import { build, type Plugin } from "esbuild";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const GATEWAY_ENTRY = "worker/src/index.ts";
const COUNTING_ENTRY = path.join(import.meta.dirname, "workers/counting-gateway.ts");
const BARE_PROXY_ENTRY = path.join(import.meta.dirname, "workers/bare-proxy.ts");
const FLOOR_PROXY_ENTRY = path.join(import.meta.dirname, "workers/floor-proxy.ts");

/**
 * A text replacement applied to one gateway source file while bundling, to measure a change
 * without editing worker/src. Bundling fails if `search` does not occur in the file.
 */
export interface SourcePatch {
  /** Path relative to the repository root, e.g. "worker/src/logger.ts". */
  file: string;
  search: string;
  replace: string;
}

export interface GatewayBundleOptions {
  patches?: readonly SourcePatch[];
  /** Folder that contains worker/src; the repository root unless a copy is measured. */
  sourceRoot?: string;
}

/** Bundles the gateway behind the counting KV entry, with optional source patches. */
export async function bundleCountingGateway(options: GatewayBundleOptions = {}): Promise<string> {
  const sourceRoot = options.sourceRoot ?? REPO_ROOT;
  const contents = [
    `import gateway from ${JSON.stringify(path.join(sourceRoot, GATEWAY_ENTRY))};`,
    `import { wrapGateway } from ${JSON.stringify(COUNTING_ENTRY)};`,
    "export default wrapGateway(gateway);",
  ].join("\n");
  const stdin = { contents, resolveDir: REPO_ROOT, loader: "ts" as const };
  return bundle({ stdin }, patchPlugins(options.patches ?? [], sourceRoot));
}

export async function bundleBareProxy(): Promise<string> {
  return bundle({ entryPoints: [BARE_PROXY_ENTRY] }, []);
}

export async function bundleFloorProxy(): Promise<string> {
  return bundle({ entryPoints: [FLOOR_PROXY_ENTRY] }, []);
}

async function bundle(
  entry:
    | { stdin: { contents: string; resolveDir: string; loader: "ts" } }
    | { entryPoints: string[] },
  plugins: Plugin[],
): Promise<string> {
  const result = await build({
    ...entry,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    // nodejs_compat (wrangler.toml) lets workerd provide the node: modules.
    external: ["node:*", "cloudflare:*"],
    logLevel: "silent",
    plugins,
  });
  const [output] = result.outputFiles;
  if (output === undefined) {
    throw new Error("esbuild produced no output for the bench Worker");
  }
  return output.text;
}

function patchPlugins(patches: readonly SourcePatch[], sourceRoot: string): Plugin[] {
  if (patches.length === 0) {
    return [];
  }
  const byPath = new Map<string, SourcePatch[]>();
  for (const patch of patches) {
    const absolute = path.join(sourceRoot, patch.file);
    byPath.set(absolute, [...(byPath.get(absolute) ?? []), patch]);
  }
  const plugin: Plugin = {
    name: "bench-source-patches",
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        const filePatches = byPath.get(args.path);
        if (filePatches === undefined) {
          return undefined;
        }
        let source = await readFile(args.path, "utf8");
        for (const patch of filePatches) {
          if (!source.includes(patch.search)) {
            throw new Error(`Patch text not found in ${patch.file}: ${patch.search}`);
          }
          source = source.replace(patch.search, patch.replace);
        }
        return { contents: source, loader: "ts" };
      });
    },
  };
  return [plugin];
}
