/** How often the relevance rules decline on-topic and off-topic questions. Pure (retrieval is passed in). */
import { classifyMessage, decideRelevance } from "./rules.ts";

export interface RefusalReport {
  onTopic: number;
  offTopic: number;
  /** On-topic questions declined as off-topic, harmful or small talk (should be < 5%). */
  falseRefusalRate: number;
  /** On-topic questions answered with the fixed "not covered" reply. */
  notCoveredRate: number;
  /** Off-topic questions declined (refused, or "not covered" without a guess) (should be > 90%). */
  offTopicDeclinedRate: number;
  falseRefusals: string[];
  offTopicAnswered: string[];
}

export async function evaluateRefusals(
  relevanceOf: (question: string) => Promise<number>,
  questions: { onTopic: string[]; offTopic: string[] },
  thresholds: { offTopicBelow: number; notCoveredBelow: number },
): Promise<RefusalReport> {
  const outcome = async (question: string) => {
    const kind = classifyMessage(question);
    if (kind !== "question") return kind === "smalltalk" ? "smalltalk" : "refused";
    const decision = decideRelevance(question, await relevanceOf(question), thresholds);
    if (decision.fallback === "refuse-off-topic") return "refused";
    if (decision.fallback === "say-not-covered") return "not-covered";
    return "answered";
  };
  const falseRefusals: string[] = [];
  let notCovered = 0;
  for (const question of questions.onTopic) {
    const result = await outcome(question);
    if (result === "refused" || result === "smalltalk") falseRefusals.push(question);
    if (result === "not-covered") notCovered++;
  }
  const offTopicAnswered: string[] = [];
  for (const question of questions.offTopic) {
    if ((await outcome(question)) === "answered") offTopicAnswered.push(question);
  }
  const rate = (count: number, total: number) => Math.round((count / Math.max(1, total)) * 1000) / 1000;
  return {
    onTopic: questions.onTopic.length,
    offTopic: questions.offTopic.length,
    falseRefusalRate: rate(falseRefusals.length, questions.onTopic.length),
    notCoveredRate: rate(notCovered, questions.onTopic.length),
    offTopicDeclinedRate: rate(
      questions.offTopic.length - offTopicAnswered.length,
      questions.offTopic.length,
    ),
    falseRefusals,
    offTopicAnswered,
  };
}
