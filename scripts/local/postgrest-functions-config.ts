import { readFile } from "node:fs/promises";

/** Supabase verifies the JWT of a function call unless the function's config turns it off. */
export const DEFAULT_VERIFY_JWT = true;

const FUNCTION_TABLE_HEADER = /^\[\s*functions\.(?:"([^"]+)"|([A-Za-z0-9_-]+))\s*\]$/;
const VERIFY_JWT_LINE = /^verify_jwt\s*=\s*(\S+)$/;

/**
 * Reads the `verify_jwt` setting of each function from a Supabase config.toml and returns the
 * settings by function name. Functions without a setting use {@link DEFAULT_VERIFY_JWT}.
 *
 * This is not a full TOML parser: it reads `[functions.<name>]` table headers and
 * `verify_jwt = true|false` lines inside them, ignores every other line, and rejects a
 * verify_jwt value that is not a boolean.
 */
export async function readVerifyJwtSettings(configPath: string): Promise<Map<string, boolean>> {
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot read the Supabase config file ${configPath}: ${reason}`, {
      cause: error,
    });
  }
  return parseVerifyJwtSettings(text, configPath);
}

export function parseVerifyJwtSettings(text: string, configPath: string): Map<string, boolean> {
  const settings = new Map<string, boolean>();
  let functionName: string | undefined;
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = stripComment(rawLine).trim();
    // Any table header, including [[array]] tables, ends the previous table.
    if (line.startsWith("[")) {
      const header = FUNCTION_TABLE_HEADER.exec(line);
      functionName = header ? (header[1] ?? header[2]) : undefined;
      continue;
    }
    const setting = VERIFY_JWT_LINE.exec(line);
    if (functionName === undefined || !setting) continue;
    if (setting[1] !== "true" && setting[1] !== "false") {
      throw new Error(
        `Invalid verify_jwt value for function ${functionName} in ${configPath} ` +
          `line ${index + 1}: expected true or false, got ${setting[1]}.`,
      );
    }
    settings.set(functionName, setting[1] === "true");
  }
  return settings;
}

// A "#" starts a comment unless it is inside a quoted string.
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const character = line[index];
    if (quote !== undefined) {
      if (character === "\\" && quote === '"') index += 1;
      else if (character === quote) quote = undefined;
    } else if (character === '"' || character === "'") {
      quote = character;
    } else if (character === "#") {
      return line.slice(0, index);
    }
  }
  return line;
}
