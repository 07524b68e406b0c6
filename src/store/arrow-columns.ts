/**
 * Reading Arrow text columns without making a JavaScript string per row: at 100,000 traces the
 * strings alone cost more than the query. Categorical columns become small integer codes with a
 * names list, ISO times become epoch milliseconds, and numbers inside a JSON column are read in place.
 */
import type { Table as ArrowTable, Vector } from "apache-arrow";

/** The dashboard's columns, one entry per trace: categorical ones as codes into their names. */
export interface TraceStatsColumns {
  count: number;
  createdAtMs: Float64Array;
  platform: { codes: Uint16Array; names: string[] };
  mode: { codes: Uint16Array; names: string[] };
  feedback: { codes: Uint16Array; names: string[] };
  status: { codes: Uint16Array; names: string[] };
  /** NaN where a trace's timings lack the figure. */
  firstTokenMs: Float64Array;
  totalMs: Float64Array;
}

/** The trace columns statsColumnsOf reads. */
export const STATS_COLUMNS = ["createdAt", "platform", "mode", "feedback", "status", "timings"];

export function statsColumnsOf(table: ArrowTable): TraceStatsColumns {
  const empty = { codes: new Uint16Array(0), names: [] };
  // An empty result comes back without columns.
  if (table.numRows === 0)
    return {
      count: 0,
      createdAtMs: new Float64Array(0),
      platform: empty,
      mode: empty,
      feedback: empty,
      status: empty,
      firstTokenMs: new Float64Array(0),
      totalMs: new Float64Array(0),
    };
  const column = (name: string) => table.getChild(name)!;
  const [firstTokenMs, totalMs] = jsonNumbers(column("timings"), ["firstTokenMs", "totalMs"]);
  return {
    count: table.numRows,
    createdAtMs: isoTimesMs(column("createdAt")),
    platform: dictionaryCodes(column("platform")),
    mode: dictionaryCodes(column("mode")),
    feedback: dictionaryCodes(column("feedback")),
    status: dictionaryCodes(column("status")),
    firstTokenMs: firstTokenMs!,
    totalMs: totalMs!,
  };
}

interface TextChunk {
  length: number;
  valueOffsets: Int32Array;
  values: Uint8Array;
}

const chunksOf = (vector: Vector): TextChunk[] => vector.data as unknown as TextChunk[];
const decoder = new TextDecoder();

/** Each row's value as a code into `names` (the distinct values, in first-seen order). */
export function dictionaryCodes(vector: Vector): { codes: Uint16Array; names: string[] } {
  const codes = new Uint16Array(vector.length);
  const names: string[] = [];
  // Distinct values by an FNV-1a hash of their bytes, each checked byte for byte against its first bytes.
  const known = new Map<number, { code: number; bytes: Uint8Array }[]>();
  let row = 0;
  for (const chunk of chunksOf(vector)) {
    const bytes = chunk.values;
    for (let index = 0; index < chunk.length; index++, row++) {
      const start = chunk.valueOffsets[index]!;
      const end = chunk.valueOffsets[index + 1]!;
      let hash = 0x811c9dc5;
      for (let at = start; at < end; at++) hash = Math.imul(hash ^ bytes[at]!, 0x01000193);
      const candidates = known.get(hash);
      let code = candidates?.find((candidate) => sameBytes(candidate.bytes, bytes, start, end))?.code;
      if (code === undefined) {
        code = names.length;
        const value = bytes.slice(start, end);
        names.push(decoder.decode(value));
        known.set(hash, [...(candidates ?? []), { code, bytes: value }]);
      }
      codes[row] = code;
    }
  }
  return { codes, names };
}

function sameBytes(known: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let index = 0; index < known.length; index++) if (known[index] !== bytes[start + index]) return false;
  return true;
}

const digits = (bytes: Uint8Array, at: number, count: number) => {
  let value = 0;
  for (let index = at; index < at + count; index++) value = value * 10 + (bytes[index]! - 48);
  return value;
};

/** ISO times ("2026-09-07T08:00:00.000Z", as toISOString writes them) as epoch milliseconds. */
export function isoTimesMs(vector: Vector): Float64Array {
  const times = new Float64Array(vector.length);
  let row = 0;
  for (const chunk of chunksOf(vector)) {
    const bytes = chunk.values;
    for (let index = 0; index < chunk.length; index++, row++) {
      const start = chunk.valueOffsets[index]!;
      const end = chunk.valueOffsets[index + 1]!;
      times[row] =
        end - start === 24 && bytes[start + 23] === 90 /* Z */
          ? Date.UTC(
              digits(bytes, start, 4),
              digits(bytes, start + 5, 2) - 1,
              digits(bytes, start + 8, 2),
              digits(bytes, start + 11, 2),
              digits(bytes, start + 14, 2),
              digits(bytes, start + 17, 2),
              digits(bytes, start + 20, 3),
            )
          : Date.parse(decoder.decode(bytes.subarray(start, end)));
    }
  }
  return times;
}

/** The numbers after `"name":` for each name, in each row's JSON text (NaN when absent); one pass. */
export function jsonNumbers(vector: Vector, names: readonly string[]): Float64Array[] {
  const patterns = names.map((name) => new TextEncoder().encode(`"${name}":`));
  const numbers = names.map(() => new Float64Array(vector.length).fill(Number.NaN));
  let row = 0;
  for (const chunk of chunksOf(vector)) {
    const bytes = chunk.values;
    for (let index = 0; index < chunk.length; index++, row++) {
      const end = chunk.valueOffsets[index + 1]!;
      let found = 0;
      for (let at = chunk.valueOffsets[index]!; at < end && found < patterns.length; at++) {
        if (bytes[at] !== 34 /* " */) continue;
        for (let which = 0; which < patterns.length; which++) {
          const pattern = patterns[which]!;
          if (at + pattern.length <= end && startsWith(bytes, at, pattern)) {
            numbers[which]![row] = readNumber(bytes, at + pattern.length, end);
            at += pattern.length - 1;
            found++;
            break;
          }
        }
      }
    }
  }
  return numbers;
}

function startsWith(bytes: Uint8Array, at: number, pattern: Uint8Array): boolean {
  for (let offset = 1; offset < pattern.length; offset++)
    if (bytes[at + offset] !== pattern[offset]) return false;
  return true;
}

/** A plain JSON number (digits, sign, decimals) at `at`; exponents are read by Number(). */
function readNumber(bytes: Uint8Array, at: number, end: number): number {
  let cursor = at;
  const negative = bytes[cursor] === 45;
  if (negative) cursor++;
  let value = 0;
  let seen = false;
  while (cursor < end && bytes[cursor]! >= 48 && bytes[cursor]! <= 57) {
    value = value * 10 + (bytes[cursor++]! - 48);
    seen = true;
  }
  if (bytes[cursor] === 46) {
    let scale = 0.1;
    cursor++;
    while (cursor < end && bytes[cursor]! >= 48 && bytes[cursor]! <= 57) {
      value += (bytes[cursor++]! - 48) * scale;
      scale /= 10;
      seen = true;
    }
  }
  if (bytes[cursor] === 101 || bytes[cursor] === 69) {
    let stop = cursor + 1;
    while (stop < end && bytes[stop] !== 44 && bytes[stop] !== 125) stop++;
    return Number(decoder.decode(bytes.subarray(at, stop)));
  }
  if (!seen) return Number.NaN;
  return negative ? -value : value;
}
