/** CORPUS_SOURCES parsing, the address guard and the schedule loop (pure or timer-only). */
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/duration.ts";
import { isInternalAddress } from "../../src/ingest/sources/address-guard.ts";
import { startSourceSchedule } from "../../src/ingest/sources/schedule.ts";
import { formatSourceList, parseSourceList } from "../../src/ingest/sources/source-list.ts";

const SIX_HOURS = 6 * 3_600_000;

describe("parseSourceList", () => {
  it("reads {url, title?, every?} entries and bare URLs, with the default schedule", () => {
    const entries = parseSourceList(
      "- url: https://course.example.edu/\n  title: 課程網站\n  every: 1h\n- https://course.example.edu/sitemap.xml\n",
      "sources.yaml",
      SIX_HOURS,
    );
    expect(entries).toEqual([
      { url: "https://course.example.edu/", title: "課程網站", every: "1h", everyMs: 3_600_000 },
      { url: "https://course.example.edu/sitemap.xml", every: "", everyMs: SIX_HOURS },
    ]);
    expect(parseSourceList(formatSourceList(entries), "again", SIX_HOURS)).toEqual(entries);
    expect(parseSourceList("", "empty.yaml", SIX_HOURS)).toEqual([]);
  });

  it("names the file, the entry and the field of a mistake", () => {
    const bad = (text: string) => () => parseSourceList(text, "sources.yaml", SIX_HOURS);
    expect(bad("url: https://x.test")).toThrow(/sources\.yaml must be a YAML list/);
    expect(bad("- title: no url")).toThrow(/sources\.yaml entry 1: url is missing/);
    expect(bad("- url: file:///etc/passwd")).toThrow(/entry 1: url .* not an http: or https: URL/);
    expect(bad("- url: https://user:pw@x.test/")).toThrow(/user name or password/);
    expect(bad("- url: https://x.test/\n  every: soon")).toThrow(/entry 1: every "soon"/);
    expect(bad("- https://x.test/\n- https://x.test/")).toThrow(
      /entry 2: url https:\/\/x\.test\/ is listed twice/,
    );
    expect(bad("- [unclosed")).toThrow(/not valid YAML/);
  });

  it("durations", () => {
    expect(parseDuration("6h")).toBe(SIX_HOURS);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("0s")).toBeUndefined();
    expect(parseDuration("6 hours")).toBeUndefined();
  });
});

describe("isInternalAddress", () => {
  it("refuses private, loopback, link-local and mapped addresses; allows public ones", () => {
    for (const address of [
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "127.0.0.1",
      "169.254.169.254",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::5",
      "::ffff:10.0.0.1",
      "100.64.0.1",
    ])
      expect(isInternalAddress(address), address).toBe(true);
    for (const address of ["8.8.8.8", "140.112.8.116", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
      expect(isInternalAddress(address), address).toBe(false);
  });
});

describe("startSourceSchedule", () => {
  it("syncs when a source is due, sleeps otherwise, and stops cleanly", async () => {
    let due = 0;
    let syncs = 0;
    const stop = startSourceSchedule({
      msUntilNextDue: async () => due,
      syncDue: async () => {
        syncs += 1;
        due = 60_000; // the next one is a minute away
      },
      onError: (error) => {
        throw error;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(syncs).toBe(1);
    await stop();
    expect(syncs).toBe(1);
  });
});
