/**
 * Reads the KV namespace id of a binding from wrangler.toml. This is a small reader for the
 * shape this project's wrangler.toml uses, not a TOML parser: `[[kv_namespaces]]` or
 * `[[env.<name>.kv_namespaces]]` tables whose `binding` and `id` are one-line strings.
 */
import { readFile } from "node:fs/promises";
import { ConfigError } from "./errors.ts";

export const TOKEN_CACHE_BINDING = "TOKEN_CACHE";

export interface NamespaceLookup {
  namespaceId: string;
  /** Whether the id is one repeated character, as the placeholders in wrangler.toml are. */
  looksLikePlaceholder: boolean;
}

interface Entry {
  table: string;
  values: Map<string, string>;
}

/** Reads `path` and returns the namespace id of `binding` for `envName` (top level if unset). */
export async function readNamespaceIdFromFile(
  path: string,
  envName: string | undefined,
  binding = TOKEN_CACHE_BINDING,
): Promise<NamespaceLookup> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    throw new ConfigError(`cannot read ${path} (${code}); pass --config <path to wrangler.toml>`);
  }
  return findNamespaceId(text, envName, binding, path);
}

/** Returns the namespace id of `binding` in wrangler.toml text; `source` names it in errors. */
export function findNamespaceId(
  text: string,
  envName: string | undefined,
  binding: string,
  source: string,
): NamespaceLookup {
  const table = envName === undefined ? "kv_namespaces" : `env.${envName}.kv_namespaces`;
  const { entries, tables, inlineArrays } = readTables(text);
  const envTable = `env.${envName}`;
  const hasEnv = tables.some((name) => name === envTable || name.startsWith(`${envTable}.`));
  if (envName !== undefined && !hasEnv) {
    const found = [...new Set(tables.flatMap((name) => /^env\.([^.]+)/.exec(name)?.[1] ?? []))];
    const listed = found.length === 0 ? "none" : found.join(", ");
    throw new ConfigError(
      `${source} has no environment "${envName}" (environments: ${listed}); check --env`,
    );
  }
  if (inlineArrays.includes(table)) {
    throw new ConfigError(
      `${source} declares ${table} as an inline array; write it as [[${table}]] tables, which this command reads`,
    );
  }
  const entry = entries.find(
    (item) => item.table === table && item.values.get("binding") === binding,
  );
  const namespaceId = entry?.values.get("id");
  if (entry === undefined || namespaceId === undefined || namespaceId === "") {
    throw new ConfigError(
      `${source} has no [[${table}]] entry with binding = "${binding}" and an id; add one or pick another --env`,
    );
  }
  return { namespaceId, looksLikePlaceholder: /^(.)\1*$/.test(namespaceId) };
}

function readTables(text: string): { entries: Entry[]; tables: string[]; inlineArrays: string[] } {
  const entries: Entry[] = [];
  const tables: string[] = [];
  const inlineArrays: string[] = [];
  let current: Entry | undefined;
  let currentTable = "";
  for (const rawLine of text.split(/\r?\n/)) {
    const line = stripComment(rawLine).trim();
    const header = /^(\[\[?)\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header !== null) {
      currentTable = normaliseTableName(header[2] ?? "");
      tables.push(currentTable);
      current = header[1] === "[[" ? { table: currentTable, values: new Map() } : undefined;
      if (current !== undefined) entries.push(current);
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (pair === null) continue;
    const [, key = "", value = ""] = pair;
    if (key === "kv_namespaces" && value.startsWith("[")) {
      inlineArrays.push(currentTable === "" ? key : `${currentTable}.${key}`);
    }
    const text = readStringValue(value);
    if (current !== undefined && text !== undefined) current.values.set(key, text);
  }
  return { entries, tables, inlineArrays };
}

// `env."staging".kv_namespaces` and `env . staging` name the same table as `env.staging`.
function normaliseTableName(name: string): string {
  return name
    .split(".")
    .map((part) => part.trim().replace(/^"(.*)"$|^'(.*)'$/, "$1$2"))
    .join(".");
}

/** Returns a one-line basic ("...") or literal ('...') string, or undefined for other values. */
function readStringValue(value: string): string | undefined {
  if (/^'[^']*'$/.test(value)) return value.slice(1, -1);
  if (!/^"(?:[^"\\]|\\.)*"$/.test(value)) return undefined;
  try {
    return JSON.parse(value) as string;
  } catch {
    return undefined;
  }
}

/** Removes a # comment, keeping a # that is inside a quoted string. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quote === '"' && char === "\\") {
      index += 1;
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === "#") {
      return line.slice(0, index);
    }
  }
  return line;
}
