/**
 * The optional LLM judge (--judge): faithfulness and answer relevance, RAGAS-style, through any
 * OpenAI-compatible chat-completions server (JUDGE_BASE_URL, JUDGE_MODEL, JUDGE_API_KEY).
 * Faithfulness: the answer is split into claims, each claim is checked against the passages shown,
 * and the score is the share supported. Relevance: a 1–5 rating, reported as (score − 1) / 4.
 */
import { AppError, errorMessage } from "../errors.ts";
import { fillTemplate } from "../prompt/template.ts";

export interface JudgeTemplates {
  claims: string;
  verify: string;
  relevance: string;
}

/** The files in PROMPTS_DIR the judge's prompts live in. */
export const JUDGE_TEMPLATE_FILES: Record<keyof JudgeTemplates, string> = {
  claims: "judge-claims.md",
  verify: "judge-verify.md",
  relevance: "judge-relevance.md",
};

export interface JudgeOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  templates: JudgeTemplates;
  /** Per request. Default 120 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface JudgeVerdict {
  faithfulness: number | null;
  answerRelevance: number | null;
  claims: { claim: string; supported: boolean }[];
}

export interface Judge {
  readonly model: string;
  judge(input: { question: string; answer: string; passages: string[] }): Promise<JudgeVerdict>;
}

/** A URL safe to print: user info and query values replaced by ***. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = "***";
    if (parsed.password) parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) parsed.searchParams.set(key, "***");
    return parsed.toString().replace(/%2A%2A%2A/g, "***");
  } catch {
    return "(an unparseable URL)";
  }
}

/** The first JSON object in a model's reply (judges often wrap it in prose or a code fence). */
export function readJsonReply(text: string): Record<string, unknown> {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start)
    throw new AppError(`the judge did not reply with JSON: ${text.slice(0, 120)}`, "generation_failed");
  try {
    return JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>;
  } catch {
    throw new AppError(`the judge's JSON could not be read: ${text.slice(0, 120)}`, "generation_failed");
  }
}

export function createJudge(options: JudgeOptions): Judge {
  const fetchImpl = options.fetch ?? fetch;
  const shownUrl = maskUrl(options.baseUrl);
  // fetch refuses URLs with user info: it goes in an Authorization header instead (when no key is set).
  const endpoint = new URL(options.baseUrl);
  const secrets = [options.apiKey, endpoint.password, ...endpoint.searchParams.values()].filter(
    (value): value is string => !!value && value.length >= 3,
  );
  const basic =
    endpoint.username || endpoint.password
      ? Buffer.from(
          `${decodeURIComponent(endpoint.username)}:${decodeURIComponent(endpoint.password)}`,
        ).toString("base64")
      : undefined;
  endpoint.username = "";
  endpoint.password = "";
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, "")}/chat/completions`;
  const mask = (text: string) => secrets.reduce((masked, secret) => masked.split(secret).join("***"), text);

  async function complete(prompt: string): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    else if (basic) headers.authorization = `Basic ${basic}`;
    let response: Response;
    try {
      response = await fetchImpl(endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({
          model: options.model,
          messages: [{ role: "user", content: prompt }],
          temperature: 0,
          stream: false,
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw new AppError(
        `the judge at ${shownUrl} is unreachable: ${mask(errorMessage(error))}`,
        "model_unavailable",
      );
    }
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      throw new AppError(
        `the judge at ${shownUrl} answered ${response.status}: ${mask(body.slice(0, 200))}`,
        "model_unavailable",
      );
    }
    const data = (await response.json()) as { choices?: { message?: { content?: string } }[] };
    return readJsonReply(data.choices?.[0]?.message?.content ?? "");
  }

  return {
    model: options.model,
    async judge({ question, answer, passages }) {
      const fill = (name: keyof JudgeTemplates, values: Record<string, string>) =>
        fillTemplate(options.templates[name], values, { templateName: JUDGE_TEMPLATE_FILES[name] });
      const claimsReply = await complete(fill("claims", { question, answer }));
      const claims = Array.isArray(claimsReply.claims)
        ? claimsReply.claims.filter((claim): claim is string => typeof claim === "string")
        : [];
      let verdicts: { claim: string; supported: boolean }[] = [];
      if (claims.length > 0) {
        const numbered = passages.map((text, index) => `[${index + 1}] ${text}`).join("\n\n");
        const verifyReply = await complete(
          fill("verify", { passages: numbered || "(none)", claims: JSON.stringify(claims) }),
        );
        const list = Array.isArray(verifyReply.verdicts) ? verifyReply.verdicts : [];
        verdicts = claims.map((claim, index) => {
          const verdict = list[index] as { supported?: unknown } | undefined;
          return { claim, supported: verdict?.supported === true };
        });
      }
      const relevanceReply = await complete(fill("relevance", { question, answer }));
      const score = Number(relevanceReply.score);
      return {
        faithfulness:
          verdicts.length === 0
            ? null
            : verdicts.filter((verdict) => verdict.supported).length / verdicts.length,
        answerRelevance: Number.isFinite(score) ? Math.min(1, Math.max(0, (score - 1) / 4)) : null,
        claims: verdicts,
      };
    },
  };
}
