/** Per-request sampling within server limits. Pure. */
import { AppError } from "../errors.ts";
import type { SamplingOptions } from "../types.ts";

export type SamplingRequest = Partial<Record<keyof SamplingOptions, unknown>>;

const RANGES: Record<keyof SamplingOptions, { min: number; max: number; integer?: boolean }> = {
  temperature: { min: 0, max: 2 },
  topP: { min: 0.01, max: 1 },
  topK: { min: 0, max: 1000, integer: true },
  minP: { min: 0, max: 1 },
  repeatPenalty: { min: 1, max: 2 },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  maxTokens: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
};

/**
 * Merges a request's sampling over the server defaults. Out-of-range or non-numeric values are
 * refused (not clamped) so a client learns its request was wrong; maxTokens is capped by the server.
 */
export function resolveSampling(requested: unknown, defaults: SamplingOptions): SamplingOptions {
  if (requested === undefined || requested === null) return { ...defaults };
  if (typeof requested !== "object" || Array.isArray(requested)) {
    throw new AppError(
      'sampling must be an object like {"temperature": 0.7, "topP": 0.9}',
      "invalid_sampling",
    );
  }
  const result: SamplingOptions = { ...defaults };
  for (const [name, value] of Object.entries(requested as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    const range = RANGES[name as keyof SamplingOptions];
    if (!range) {
      throw new AppError(
        `sampling.${name} is not supported: use ${Object.keys(RANGES).join(", ")}`,
        "invalid_sampling",
      );
    }
    const max = name === "maxTokens" ? defaults.maxTokens : range.max;
    if (typeof value !== "number" || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
      throw new AppError(
        `sampling.${name} must be ${range.integer ? "an integer" : "a number"}`,
        "invalid_sampling",
      );
    }
    if (value < range.min || value > max) {
      throw new AppError(
        `sampling.${name}=${value} is out of range: use ${range.min} to ${max}`,
        "invalid_sampling",
      );
    }
    (result as unknown as Record<string, number>)[name] = value;
  }
  return result;
}
