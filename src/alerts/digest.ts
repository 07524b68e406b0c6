/**
 * The daily digest for staff (pure parts and the timer): questions answered, refusals, not-covered,
 * crisis flags, open hand-offs, 👍/👎 and the top knowledge gaps, posted at a set hour of the course's
 * time zone.
 */
import { groupSimilarQuestions } from "../admin/knowledge-gaps.ts";
import type { ChatMode } from "../types.ts";

export interface DigestTrace {
  question: string;
  mode: ChatMode;
  status: string;
  feedback?: "up" | "down";
}

export interface DigestFigures {
  answered: number;
  verified: number;
  refusals: number;
  notCovered: number;
  crisis: number;
  up: number;
  down: number;
  openHandoffs: number;
  gaps: { question: string; count: number }[];
}

export function digestFigures(
  traces: readonly DigestTrace[],
  openHandoffs: number,
  topGaps = 5,
): DigestFigures {
  const count = (mode: ChatMode) => traces.filter((trace) => trace.mode === mode).length;
  const notCovered = traces.filter((trace) => trace.mode === "not-covered");
  return {
    answered: traces.filter(
      (trace) => trace.status === "ok" && ["answer", "retrieval-only", "verified"].includes(trace.mode),
    ).length,
    verified: count("verified"),
    refusals: count("refusal"),
    notCovered: notCovered.length,
    crisis: count("crisis"),
    up: traces.filter((trace) => trace.feedback === "up").length,
    down: traces.filter((trace) => trace.feedback === "down").length,
    openHandoffs,
    gaps: groupSimilarQuestions(notCovered, (trace) => trace.question)
      .slice(0, topGaps)
      .map((group) => ({ question: group.representative, count: group.items.length })),
  };
}

export function formatDigest(figures: DigestFigures, day: string, adminUrl?: string): string {
  const lines = [
    `📊 **每日摘要 ${day}** (daily digest, last 24 h)`,
    `回答 ${figures.answered}（其中助教確認的答案 ${figures.verified}）· 婉拒 ${figures.refusals} · 資料沒有 ${figures.notCovered} · 危機訊號 ${figures.crisis}`,
    `👍 ${figures.up} · 👎 ${figures.down} · 待回覆的真人助教請求 ${figures.openHandoffs}`,
  ];
  if (figures.gaps.length > 0) {
    lines.push("知識缺口 (top knowledge gaps):");
    for (const gap of figures.gaps) lines.push(`• ${gap.question.slice(0, 80)} ×${gap.count}`);
  }
  if (adminUrl) lines.push(`${adminUrl.replace(/\/+$/, "")}/admin/handoffs`);
  return lines.join("\n");
}

/** The hour of day (0–23) at `date` in `timeZone`. */
function hourIn(date: Date, timeZone: string): number {
  return Number(
    new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", hourCycle: "h23" }).format(date),
  );
}

/** The next instant after `now` when the clock in `timeZone` strikes `hour` (found minute by minute from the next hour). */
export function nextDigestAt(now: Date, hour: number, timeZone: string): Date {
  let candidate = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 + 3_600_000);
  // Time zones are whole or half hours off UTC: try every 15 minutes for two days.
  for (let step = 0; step < 4 * 48; step++) {
    const minute = new Intl.DateTimeFormat("en-US", { timeZone, minute: "numeric" }).format(candidate);
    if (hourIn(candidate, timeZone) === hour && Number(minute) === 0 && candidate > now) return candidate;
    candidate = new Date(candidate.getTime() + 15 * 60_000);
  }
  return new Date(now.getTime() + 86_400_000);
}

/** Runs `post` every day at `hour` (course time zone) until stopped. */
export function scheduleDigest(options: {
  hour: number;
  timeZone: string;
  post(): Promise<void>;
  onError(error: unknown): void;
  now?: () => Date;
}): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const now = (options.now ?? (() => new Date()))();
    const wait = nextDigestAt(now, options.hour, options.timeZone).getTime() - now.getTime();
    timer = setTimeout(() => {
      void options.post().catch(options.onError).finally(arm);
    }, wait);
    timer.unref();
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
