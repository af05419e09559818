import { isNotBlank } from "./send-text-schema";

const HIGHEST_BMP_CODE_POINT = 0xffff;

/**
 * Builds the not-blank rule as a JSON Schema pattern: one character outside a complemented class
 * of \uXXXX ranges. The ranges come from testing every code point of the Basic Multilingual
 * Plane with isNotBlank, because \p{Cf} and the like mean something else to a regular
 * expression without the u flag, and many validators do not support them.
 * NOTE: the format characters above U+FFFF do not fit a \uXXXX range. A text made only of
 * them matches this pattern, but the gateway rejects it as blank. In Unicode 17 they are U+110BD,
 * U+110CD, U+13430 to U+1343F, U+1BCA0 to U+1BCA3, U+1D173 to U+1D17A, U+E0001 and U+E0020 to
 * U+E007F.
 */
function buildNotBlankPattern(): string {
  const ranges: string[] = [];
  let rangeStart: number | undefined;
  // One step past U+FFFF closes a range that reaches the end of the plane.
  for (let codePoint = 0; codePoint <= HIGHEST_BMP_CODE_POINT + 1; codePoint++) {
    const blank = codePoint <= HIGHEST_BMP_CODE_POINT && isBlankCodeUnit(codePoint);
    if (blank && rangeStart === undefined) {
      rangeStart = codePoint;
    } else if (!blank && rangeStart !== undefined) {
      ranges.push(formatRange(rangeStart, codePoint - 1));
      rangeStart = undefined;
    }
  }
  return `[^${ranges.join("")}]`;
}

// isNotBlank counts a lone surrogate as non-blank, so surrogates stay out of the class, and a
// validator that reads the pattern without the u flag still treats an emoji as non-blank.
function isBlankCodeUnit(codeUnit: number): boolean {
  return !isNotBlank(String.fromCharCode(codeUnit));
}

function formatRange(first: number, last: number): string {
  return first === last ? unicodeEscape(first) : `${unicodeEscape(first)}-${unicodeEscape(last)}`;
}

function unicodeEscape(codeUnit: number): string {
  return `\\u${codeUnit.toString(16).toUpperCase().padStart(4, "0")}`;
}

let notBlankPattern: string | undefined;

/** Returns the not-blank pattern, built on first use because the scan takes a few milliseconds. */
export function textNotBlankPattern(): string {
  notBlankPattern ??= buildNotBlankPattern();
  return notBlankPattern;
}
