/** "6h" -> 21600000 ms; "30m", "1d", "90s", "1h30m" too. Undefined for anything else. Pure; imports nothing. */
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g))
    total += Number(amount) * UNITS[unit];
  return total > 0 ? Math.round(total) : undefined;
}
