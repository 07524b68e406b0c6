import { AppError } from "../errors.ts";

/** File names of the editable templates inside the prompts folder; the caller reads them. */
export const PROMPT_TEMPLATE_FILES = {
  system: "system.md",
  homeworkHints: "homework-hints.md",
  homeworkFull: "homework-full.md",
  retrievalOnly: "retrieval-only.md",
  noPassages: "no-passages.md",
  crisis: "crisis.md",
  offTopic: "off-topic.md",
  harmful: "harmful.md",
  smallTalk: "smalltalk.md",
} as const;

export interface FillTemplateOptions {
  /** Named in error messages so staff know which file to fix. Default: "template". */
  templateName?: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
// Staff may leave notes for each other in HTML comments; the model never sees them.
const STAFF_COMMENT = /<!--[\s\S]*?-->/g;

/**
 * Replaces every `{{name}}` in `template` with `values[name]`, in one pass (values are never re-scanned,
 * so a value containing "{{x}}" stays literal). HTML comments are removed first and the result is trimmed.
 * Throws AppError("config_invalid") naming every unknown placeholder, missing value or malformed `{{…}}`.
 */
export function fillTemplate(
  template: string,
  values: Record<string, string>,
  options: FillTemplateOptions = {},
): string {
  const templateName = options.templateName ?? "template";
  const source = template.replace(STAFF_COMMENT, "");

  const unknown = new Set<string>();
  const missing = new Set<string>();
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!Object.hasOwn(values, name)) unknown.add(name);
    else if (typeof values[name] !== "string") missing.add(name);
  }
  const problems: string[] = [];
  if (unknown.size > 0) {
    const known = Object.keys(values).join(", ") || "(none)";
    problems.push(`unknown placeholder ${braces(unknown)} (known placeholders: ${known})`);
  }
  if (missing.size > 0) problems.push(`no value given for ${braces(missing)}`);

  // Whatever still looks like braces after removing well-formed placeholders is a typo such as "{{date}".
  const leftover = source.replace(PLACEHOLDER, "").match(/.{0,20}(\{\{|\}\}).{0,20}/);
  if (leftover) problems.push(`malformed placeholder near "${leftover[0].trim()}": write it as {{name}}`);

  if (problems.length > 0) {
    throw new AppError(`${templateName}: ${problems.join("; ")}`, "config_invalid");
  }
  return source.replace(PLACEHOLDER, (_whole, name: string) => values[name]!).trim();
}

function braces(names: Set<string>): string {
  return [...names].map((name) => `{{${name}}}`).join(", ");
}
