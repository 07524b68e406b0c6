/** How a passage's location reads for a student, where a format needs more than a heading path. Pure. */

/** 12 -> 「第 12 張投影片」; (3, 4) -> 「第 3–4 張投影片」. */
export function slideLocation(from: number, to: number = from): string {
  return from === to ? `第 ${from} 張投影片` : `第 ${Math.min(from, to)}–${Math.max(from, to)} 張投影片`;
}
