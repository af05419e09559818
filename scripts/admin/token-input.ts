import type { Readable } from "node:stream";
import { UsageError } from "./errors.ts";

/** Maximum token length in characters, the same limit as the gateway and the database. */
export const MAX_TOKEN_LENGTH = 256;

/** Largest standard input accepted with --stdin: room for 100,000 tokens of maximum length. */
export const MAX_STDIN_BYTES = 32 * 1024 * 1024;

// Printable ASCII without the space (0x21 to 0x7E), the gateway's token rule.
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Describes why a trimmed token is invalid, as a phrase, or returns undefined when it is valid. The
 * phrase never contains the token.
 */
export function describeTokenProblem(token: string): string | undefined {
  if (token === "") return "the token is empty";
  if (token.length > MAX_TOKEN_LENGTH) {
    return `the token is ${token.length} characters long; tokens have at most ${MAX_TOKEN_LENGTH}`;
  }
  if (!TOKEN_PATTERN.test(token)) {
    return "the token contains a character outside printable ASCII 0x21-0x7E (white space or a control or non-ASCII character)";
  }
  return undefined;
}

/** Trims and validates the tokens given as arguments. Throws UsageError naming the argument. */
export function readArgumentTokens(args: readonly string[]): string[] {
  return args.map((arg, index) => validToken(arg, `token argument ${index + 1}`));
}

/**
 * Reads one token per line from `input`, trimmed, skipping blank lines. Throws UsageError naming
 * the line number of the first invalid token, without the token.
 */
export async function readStdinTokens(input: Readable): Promise<string[]> {
  const text = await readAll(input);
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    tokens.push(validToken(line, `standard input line ${index + 1}`));
  }
  return tokens;
}

function validToken(raw: string, where: string): string {
  const token = raw.trim();
  const problem = describeTokenProblem(token);
  if (problem !== undefined) throw new UsageError(`${where}: ${problem}`);
  return token;
}

async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) {
      throw new UsageError(
        `standard input is larger than ${MAX_STDIN_BYTES} bytes; split the tokens into several runs`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
