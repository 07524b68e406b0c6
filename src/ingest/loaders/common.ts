/** Small helpers shared by the format loaders. */
import { AppError } from "../../errors.ts";

/** The error every loader throws for content it cannot read: names the file and the reason. */
export function parseFailed(path: string, reason: string, cause?: unknown): AppError {
  return new AppError(`Cannot load ${path}: ${reason}`, "parse_failed", cause);
}

/** "notes/第一週.講義.md" -> "第一週.講義": the file name without its last extension. */
export function titleFromPath(path: string): string {
  const name = path.split("/").pop() ?? path;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** 75.5 -> "01:15", 3725 -> "1:02:05": how a student reads a video timestamp. */
export function formatTimestamp(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}`
    : `${String(minutes).padStart(2, "0")}:${secs}`;
}
