import { AppError } from "../errors.ts";
import { formatCourseDate } from "./date.ts";
import { fillTemplate, PROMPT_TEMPLATE_FILES } from "./template.ts";

export type HomeworkPolicy = "hints" | "full";

export interface SystemPromptValues {
  courseName: string;
  /** The current instant; the prompt room never reads the clock itself. */
  now: Date;
  /** IANA time zone the course runs in, e.g. "Asia/Taipei". */
  timeZone: string;
  modelName: string;
  homeworkPolicy: HomeworkPolicy;
  /**
   * The `{{homeworkRule}}` texts, i.e. the contents of prompts/homework-hints.md and homework-full.md.
   * Default: DEFAULT_HOMEWORK_RULES, a built-in copy of the shipped files (staff edits are then ignored).
   */
  homeworkRules?: Record<HomeworkPolicy, string>;
}

/** Built-in fallback with the same wording as the shipped prompts/homework-*.md. */
export const DEFAULT_HOMEWORK_RULES: Record<HomeworkPolicy, string> = {
  hints:
    "學生詢問作業、作業題目或練習題時，以提示與引導為主：說明相關概念、指出可以參考的段落，並用提問幫助學生自己想出下一步。" +
    "不要直接給出可以照抄繳交的完整解答、完整程式碼或最終答案。" +
    "如果學生要求完整答案，請友善地說明這門課希望同學自己完成作業，並提供下一步的提示。",
  full:
    "學生詢問作業、作業題目或練習題時，可以提供完整的解答與程式碼。" +
    "解答仍須以課程段落為依據並標註出處，並簡要說明解題思路，幫助學生理解，而不只是抄寫答案。",
};

/**
 * Placeholders the system prompt template may use. No time of day: the system prompt stays
 * byte-identical all day so the model reuses its evaluation; the time goes in the user turn.
 */
export const SYSTEM_PROMPT_PLACEHOLDERS = [
  "courseName",
  "date",
  "weekday",
  "weekdayEnglish",
  "timeZone",
  "modelName",
  "homeworkRule",
] as const;

/** Fills prompts/system.md with the course name, today's date in the course time zone and the homework rule. */
export function renderSystemPrompt(template: string, values: SystemPromptValues): string {
  const rules = values.homeworkRules ?? DEFAULT_HOMEWORK_RULES;
  const ruleTemplate = rules[values.homeworkPolicy];
  if (typeof ruleTemplate !== "string") {
    throw new AppError(
      `Homework policy "${String(values.homeworkPolicy)}" is not supported: use "hints" or "full"`,
      "config_invalid",
    );
  }
  const ruleFile =
    values.homeworkPolicy === "hints"
      ? PROMPT_TEMPLATE_FILES.homeworkHints
      : PROMPT_TEMPLATE_FILES.homeworkFull;
  // The rule file is a template too, so staff comments are stripped and stray placeholders are caught.
  const homeworkRule = fillTemplate(ruleTemplate, {}, { templateName: ruleFile });
  const { date, weekday, weekdayEnglish } = formatCourseDate(values.now, values.timeZone);
  const filled: Record<(typeof SYSTEM_PROMPT_PLACEHOLDERS)[number], string> = {
    courseName: values.courseName,
    date,
    weekday,
    weekdayEnglish,
    timeZone: values.timeZone,
    modelName: values.modelName,
    homeworkRule,
  };
  return fillTemplate(template, filled, { templateName: PROMPT_TEMPLATE_FILES.system });
}
