/**
 * Text normalization for comparing a gold fact with an answer. Pure.
 *
 * Stricter than search normalization (text/normalize.ts): every Chinese numeral becomes Arabic, not
 * only those that count or order, because a fact and an answer are compared as whole phrases and
 * both sides go through the same change (「三到四人」 and 「3 到 4 人」 both become 3到4人).
 */
import { chineseNumeralValue } from "../text/normalize.ts";

const NUMERAL_RUN = /[零〇一二兩三四五六七八九十百千]+/gu;

export function normalizeFactText(text: string, options: { keepSpaces?: boolean } = {}): string {
  let normalized = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(NUMERAL_RUN, (run) => String(chineseNumeralValue(run) ?? run))
    // Thousands separators and curly quotes vary between writers.
    .replace(/(\d),(?=\d{3}\b)/g, "$1")
    .replace(/[「」『』“”"']/g, "");
  normalized = options.keepSpaces ? normalized.replace(/\s+/g, " ") : normalized.replace(/\s+/g, "");
  return normalized;
}
