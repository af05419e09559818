/**
 * Generated instance tokens. Each scenario draws from its own token set, so the token
 * prefix separates the database queries of one scenario from those of the others.
 */

/** A named range of tokens: `${prefix}${index}` for index 0..count-1. */
export interface TokenSet {
  prefix: string;
  count: number;
}

/** The row that the lookup selects (id,user_id,name,status). */
export interface InstanceRow {
  id: string;
  user_id: string;
  name: string;
  status: "connected";
}

export function tokenSet(name: string, count: number): TokenSet {
  return { prefix: `bench-${name}-`, count };
}

export function tokenAt(set: TokenSet, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new RangeError(`token index ${index} is outside 0..${set.count - 1} of ${set.prefix}`);
  }
  return `${set.prefix}${index}`;
}

export function allTokens(set: TokenSet): string[] {
  return Array.from({ length: set.count }, (_, index) => tokenAt(set, index));
}

/** Builds the in-memory table of the database stand-in: token -> row, one row per token. */
export function buildInstanceTable(sets: readonly TokenSet[]): Map<string, InstanceRow> {
  const table = new Map<string, InstanceRow>();
  for (const set of sets) {
    for (const token of allTokens(set)) {
      const serial = table.size + 1;
      table.set(token, {
        id: uuidFromSerial("b", serial),
        user_id: uuidFromSerial("a", serial),
        name: `Bench instance ${serial}`,
        status: "connected",
      });
    }
  }
  return table;
}

// Version 4 layout with a fixed prefix, like the seed ids, so rows are easy to recognise.
function uuidFromSerial(kind: "a" | "b", serial: number): string {
  const tail = `${kind}${serial.toString(16).padStart(11, "0")}`;
  return `00000000-0000-4000-8000-${tail}`;
}

/** Returns the indexes 0..count-1 in a random order (Fisher-Yates). */
export function shuffledIndexes(count: number, random: () => number = Math.random): number[] {
  const indexes = Array.from({ length: count }, (_, index) => index);
  for (let last = indexes.length - 1; last > 0; last--) {
    const pick = Math.floor(random() * (last + 1));
    [indexes[last], indexes[pick]] = [indexes[pick] as number, indexes[last] as number];
  }
  return indexes;
}
