import { describe, expect, it } from "vitest";
import { StopTextScanner } from "../../src/llm/stop-text.ts";

describe("StopTextScanner", () => {
  it("passes text through when no stop string could start in it", () => {
    const scanner = new StopTextScanner(["<|im_end|>"]);
    expect(scanner.push("作業")).toBe("作業");
    expect(scanner.push(" late")).toBe(" late");
    expect(scanner.flush()).toBe("");
  });

  it("holds back a possible start of a stop string and drops the stop string itself", () => {
    const scanner = new StopTextScanner(["<|im_end|>"]);
    expect(scanner.push("answer <|im")).toBe("answer ");
    expect(scanner.push("_end|> more")).toBe("");
    expect(scanner.stopped).toBe(true);
    expect(scanner.push("ignored")).toBe("");
    expect(scanner.flush()).toBe("");
  });

  it("releases held text once it turns out not to be a stop string", () => {
    const scanner = new StopTextScanner(["<|im_end|>"]);
    expect(scanner.push("a <")).toBe("a ");
    expect(scanner.push("b")).toBe("<b");
    expect(scanner.push("x <|")).toBe("x ");
    expect(scanner.flush()).toBe("<|");
    expect(scanner.stopped).toBe(false);
  });

  it("stops at the earliest of several stop strings", () => {
    const scanner = new StopTextScanner(["END", "<|im_end|>", ""]);
    expect(scanner.push("one <|im_end|> two END")).toBe("one ");
    expect(scanner.stopped).toBe(true);
  });

  it("without stop strings holds nothing", () => {
    const scanner = new StopTextScanner([]);
    expect(scanner.push("<|im")).toBe("<|im");
    expect(scanner.flush()).toBe("");
  });
});
