/**
 * The chat model used when MODEL is unset (or `auto`): picked by the hardware llama.cpp found.
 * Imports nothing, so the settings table can document the same URIs.
 */

/** MODEL's value meaning "choose by hardware". */
export const AUTO_MODEL = "auto";
/** With a GPU: stronger answers, and a GPU evaluates its prompt in well under a second. */
export const GPU_DEFAULT_MODEL = "hf:bartowski/Qwen2.5-3B-Instruct-GGUF:Q4_K_M";
/**
 * Without one: the same family at half the size (1.5B, ~1 GB), still fluent in Traditional Chinese
 * when the system prompt asks for it, and about twice as fast to its first token on a CPU (README).
 */
export const CPU_DEFAULT_MODEL = "hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M";

/** The model for `auto`, and a line for the start-up log saying why. */
export function chooseDefaultModel(gpu: false | string): { model: string; reason: string } {
  if (gpu === false) {
    return {
      model: CPU_DEFAULT_MODEL,
      reason: `MODEL is unset and no GPU is in use: using the smaller ${CPU_DEFAULT_MODEL} which reaches its first token about twice as fast as the 3B on a CPU (set MODEL to choose another, e.g. ${GPU_DEFAULT_MODEL})`,
    };
  }
  return {
    model: GPU_DEFAULT_MODEL,
    reason: `MODEL is unset and a ${gpu} GPU is in use: using ${GPU_DEFAULT_MODEL} (set MODEL to choose another)`,
  };
}
