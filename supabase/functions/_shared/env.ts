/** Reads one environment variable. Returns undefined when the variable is not set. */
export type EnvReader = (name: string) => string | undefined;

/** Reads variables from the Deno process environment. */
export const readDenoEnv: EnvReader = (name) => Deno.env.get(name);

/** A required environment variable that is missing or invalid; `variable` names it. */
export class EnvError extends Error {
  override name = "EnvError";

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Returns a required variable, raising EnvError when it is unset or blank. */
export function readRequiredEnv(read: EnvReader, name: string): string {
  const value = read(name);
  if (value === undefined || value.trim() === "") {
    throw new EnvError(
      name,
      `Missing required environment variable ${name}. Set it before starting the function.`,
    );
  }
  return value;
}

/** Returns a required http(s) URL without its trailing slash, so paths can be appended. */
export function readUrlEnv(read: EnvReader, name: string): string {
  const value = readRequiredEnv(read, name).trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvError(name, `Invalid environment variable ${name}: expected an http(s) URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new EnvError(name, `Invalid environment variable ${name}: expected an http(s) URL.`);
  }
  return value.replace(/\/+$/, "");
}

/** Returns an optional positive integer, or `defaultValue` when the variable is unset. */
export function readPositiveIntegerEnv(
  read: EnvReader,
  name: string,
  defaultValue: number,
): number {
  const value = read(name);
  if (value === undefined || value.trim() === "") {
    return defaultValue;
  }
  if (!/^\d{1,9}$/.test(value.trim()) || Number(value) === 0) {
    throw new EnvError(
      name,
      `Invalid environment variable ${name}: expected a positive whole number, for example ${defaultValue}.`,
    );
  }
  return Number(value);
}
