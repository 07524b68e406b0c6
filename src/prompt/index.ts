/** The prompt room: pure functions from templates, passages and history to the messages a model sees. */
export { type CourseDate, formatCourseDate } from "./date.ts";
export {
  countHistoryTokens,
  DEFAULT_PER_MESSAGE_OVERHEAD_TOKENS,
  type HistoryTurn,
  type TrimHistoryOptions,
  trimHistory,
} from "./history.ts";
export {
  buildUserTurn,
  formatPassages,
  NO_PASSAGES_NOTE,
  neutralizeDelimiters,
  QUESTION_LABEL,
  TIME_LABEL,
} from "./passages.ts";
export {
  DEFAULT_TEMPLATE_OVERHEAD_TOKENS,
  type PlanPromptInput,
  type PromptBudget,
  type PromptPlan,
  planPrompt,
} from "./plan.ts";
export { NO_QUOTED_PASSAGES, renderRetrievalOnlyReply } from "./retrieval-only.ts";
export {
  DEFAULT_HOMEWORK_RULES,
  type HomeworkPolicy,
  renderSystemPrompt,
  SYSTEM_PROMPT_PLACEHOLDERS,
  type SystemPromptValues,
} from "./system-prompt.ts";
export { type FillTemplateOptions, fillTemplate, PROMPT_TEMPLATE_FILES } from "./template.ts";
export {
  renderVerifiedReply,
  type VerifiedReplySource,
  verifiedMark,
  withVerifiedPassage,
} from "./verified.ts";
