/** Small helpers for benchmark figures. */
export function percentile(sortedValues: number[], fraction: number): number {
  if (sortedValues.length === 0) return 0;
  const index = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil(fraction * sortedValues.length) - 1));
  return sortedValues[index]!;
}

export function summarize(samples: number[]): { p50: number; p95: number; mean: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    mean: round(mean),
    n: sorted.length,
  };
}

/** Median and spread (min–max, interquartile range) of per-round figures such as paired ratios. */
export function spread(samples: number[], digits = 3) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => {
    if (sorted.length === 0) return 0;
    const position = fraction * (sorted.length - 1);
    const low = Math.floor(position);
    const high = Math.min(sorted.length - 1, low + 1);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return {
    median: round(at(0.5), digits),
    min: round(sorted[0] ?? 0, digits),
    max: round(sorted.at(-1) ?? 0, digits),
    q1: round(at(0.25), digits),
    q3: round(at(0.75), digits),
    n: sorted.length,
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export { seededRandom } from "../../fixtures/random.ts";

export function peakRssMb(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}
