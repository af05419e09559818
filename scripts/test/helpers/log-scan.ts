/** Returns the lines the stack printed, without the start banner and its example request. */
export function logLinesOf(output: string[]): string[] {
  const bannerStart = output.findIndex((line) => line.startsWith("Local stack ready"));
  const bannerEnd = output.indexOf("Press Ctrl-C to stop.", bannerStart);
  return [...output.slice(0, bannerStart), ...output.slice(bannerEnd + 1)];
}

/** Matches `value` only where it is not part of a longer word, such as a UUID or a hash. */
export function standalone(value: string): RegExp {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![0-9A-Za-z])${escaped}(?![0-9A-Za-z])`);
}
