/**
 * Folds the exact prompt a model saw into sections staff can open one by one. Pure.
 * Joining every section's `text` gives back the prompt unchanged: nothing is hidden or rewritten.
 */

export type PromptSectionKind =
  | "preamble"
  | "system"
  | "history"
  | "passages"
  | "question"
  | "generation"
  | "whole";

export interface PromptSection {
  kind: PromptSectionKind;
  text: string;
  /** History: how many earlier messages the section holds. */
  messages?: number;
}

/** Role markers of common chat templates: ChatML (Qwen), Llama 3, Gemma. */
const ROLE_MARKER =
  /<\|im_start\|>(system|user|assistant)|<\|start_header_id\|>(system|user|assistant)<\|end_header_id\|>|<start_of_turn>(user|model)/g;

/** Special tokens shown highlighted: <|…|> tokens and the Gemma / Llama 2 style ones. */
export const SPECIAL_TOKEN = /<\|[^|<>\n]{1,48}\|>|<\/?s>|<(?:start|end)_of_turn>/g;

interface Turn {
  role: "system" | "user" | "assistant";
  text: string;
}

function splitTurns(prompt: string): { preamble: string; turns: Turn[] } {
  const markers = [...prompt.matchAll(ROLE_MARKER)];
  if (markers.length === 0) return { preamble: prompt, turns: [] };
  const turns = markers.map((marker, index) => {
    const role =
      (marker[1] ?? marker[2] ?? marker[3]) === "model" ? "assistant" : (marker[1] ?? marker[2] ?? marker[3]);
    const end = markers[index + 1]?.index ?? prompt.length;
    return { role: role as Turn["role"], text: prompt.slice(marker.index, end) };
  });
  return { preamble: prompt.slice(0, markers[0]!.index), turns };
}

/** The last user turn: everything up to `</passages>` is the passages, the rest the question. */
function splitFinalUserTurn(text: string): PromptSection[] {
  const closing = "</passages>";
  const end = text.lastIndexOf(closing);
  if (text.indexOf("<passages>") === -1 || end === -1) return [{ kind: "question", text }];
  const cut = end + closing.length;
  return [
    { kind: "passages", text: text.slice(0, cut) },
    { kind: "question", text: text.slice(cut) },
  ];
}

export function foldPrompt(prompt: string): PromptSection[] {
  const { preamble, turns } = splitTurns(prompt);
  if (turns.length === 0) return prompt === "" ? [] : [{ kind: "whole", text: prompt }];
  const sections: PromptSection[] = [];
  if (preamble !== "") sections.push({ kind: "preamble", text: preamble });

  let rest = turns;
  // A trailing, empty-ish assistant turn is where generation starts.
  const last = rest.at(-1)!;
  const generation = last.role === "assistant" ? last : undefined;
  if (generation) rest = rest.slice(0, -1);
  const finalUserIndex = rest.map((turn) => turn.role).lastIndexOf("user");

  let history: Turn[] = [];
  const flushHistory = () => {
    if (history.length === 0) return;
    sections.push({
      kind: "history",
      text: history.map((turn) => turn.text).join(""),
      messages: history.length,
    });
    history = [];
  };
  rest.forEach((turn, index) => {
    if (index === finalUserIndex) {
      flushHistory();
      sections.push(...splitFinalUserTurn(turn.text));
    } else if (turn.role === "system" && index === 0) {
      sections.push({ kind: "system", text: turn.text });
    } else {
      history.push(turn);
    }
  });
  flushHistory();
  if (generation) sections.push({ kind: "generation", text: generation.text });
  return sections;
}

/** Splits text into plain and special-token pieces, for highlighting. */
export function splitSpecialTokens(text: string): { text: string; special: boolean }[] {
  const pieces: { text: string; special: boolean }[] = [];
  let position = 0;
  for (const match of text.matchAll(SPECIAL_TOKEN)) {
    if (match.index > position) pieces.push({ text: text.slice(position, match.index), special: false });
    pieces.push({ text: match[0], special: true });
    position = match.index + match[0].length;
  }
  if (position < text.length) pieces.push({ text: text.slice(position), special: false });
  return pieces;
}
