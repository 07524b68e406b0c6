/**
 * Deterministic message rules that run before (and regardless of) the model: crisis, harmful
 * requests, small talk, and whether a question is about the course at all. Pure.
 *
 * The model's instructions are a second layer; these rules are the first. Lists favour phrases
 * over single characters so 「累死了」「笑死」「殺死 process」 are not mistaken for a crisis.
 */

function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

const CRISIS_PATTERNS: RegExp[] = [
  // Traditional Chinese, direct and indirect.
  /自殺|自杀|輕生|尋短|尋死|想死|好想死|不想活|活不下去|不想再活|不如死|死了算了|死掉算了|去死一死/,
  /結束(自己的)?生命|結束自己|了結(自己|生命|一切)|離開這個世界|消失在這個世界|想消失|讓自己消失/,
  /自殘|自我傷害|傷害自己|割腕|割自己|跳樓|燒炭|上吊|吞藥|吃安眠藥.*(全部|一次)|過量服藥/,
  /活著(好|很|真的)?(累|痛苦|沒意義|沒有意義)|沒有活下去的(理由|意義|動力)|活下去(沒|沒有)意義/,
  /(大家|世界|家人)(沒有我|少了我)會(更好|比較好)|我不在了(大家|也沒人)|寫好遺書|遺書/,
  // English.
  /\b(suicid(e|al)|kill (myself|me)|end (my|it all|my life)|want to die|wanna die|self[- ]harm|hurt(ing)? myself|cut(ting)? myself)\b/,
  /\b(no reason to live|better off dead|better off without me|don'?t want to (live|be alive)|take my (own )?life)\b/,
];

const HARMFUL_PATTERNS: RegExp[] = [
  /(教我|告訴我|我想|我要|怎麼|如何|幫我|方法).{0,4}(做|製作|製造|自製|組裝|買到).{0,4}(炸彈|炸藥|爆裂物|毒品|冰毒|安非他命|槍|武器|毒藥)/,
  /(駭入|入侵|破解|盜取|偷).{0,8}(帳號|密碼|系統|網站|電腦|伺服器|信用卡|個資)/,
  /(詐騙|釣魚信|釣魚網站|勒索軟體|病毒程式|惡意程式|木馬)/,
  /(考試|期中|期末|線上測驗).{0,6}(作弊|偷看答案)|(作弊).{0,6}(方法|技巧|不被抓)/,
  /(怎麼|如何|教我).{0,6}(傷害|毒死|殺)(別人|他人|人|同學|老師)/,
  /\b(make|build|how to make) (a )?(bomb|explosive|meth|poison|gun)\b/,
  /\b(hack|break) into\b|\bsteal (a |someone'?s )?(password|account|credit card)\b|\bphishing (email|page|site)\b|\bransomware\b/,
  /\bcheat (on|in) (the |an |my )?(exam|test|quiz|midterm|final)\b/,
];

/** Whole messages that are greetings, thanks or farewells. */
const SMALL_TALK =
  /^(你好|您好|哈囉|哈嘍|嗨|安安|早安|午安|晚安|早|早上好|晚上好|謝謝|謝啦|感謝|多謝|謝謝你|謝謝您|感謝你|辛苦了|掰掰|拜拜|再見|hi|hello|hey|hiya|yo|good (morning|afternoon|evening|night)|thanks|thank you|thx|ty|bye|goodbye|see you|ok|okay|好的|好|了解|知道了|收到|你是誰|你是什麼|你會做什麼|你可以做什麼|who are you|what can you do)(啦|喔|哦|呀|啊|囉|～|~|!|！|。|\.|,|，|\s|助教|老師|ta|bot)*$/;

/**
 * Words that make a question about this course: its administration and its subject. A question
 * with none of them and weak retrieval is off-topic.
 */
const COURSE_TERMS = [
  // Course administration.
  "課",
  "作業",
  "考試",
  "期中",
  "期末",
  "報告",
  "專題",
  "成績",
  "評分",
  "分數",
  "配分",
  "老師",
  "教授",
  "助教",
  "學期",
  "加退選",
  "加簽",
  "停修",
  "旁聽",
  "請假",
  "遲交",
  "繳交",
  "交作業",
  "截止",
  "期限",
  "講義",
  "投影片",
  "錄影",
  "教室",
  "office hour",
  "syllabus",
  "deadline",
  "homework",
  "hw",
  "quiz",
  "exam",
  "grade",
  "lecture",
  "ta",
  "學分",
  "修課",
  "選課",
  "分組",
  "組員",
  "點名",
  "出席",
  // Subject.
  "ai",
  "人工智慧",
  "模型",
  "llm",
  "gpt",
  "chatgpt",
  "gemini",
  "claude",
  "llama",
  "token",
  "prompt",
  "提示",
  "生成",
  "訓練",
  "參數",
  "神經網路",
  "類神經",
  "機器學習",
  "深度學習",
  "transformer",
  "attention",
  "注意力",
  "微調",
  "fine-tun",
  "finetun",
  "lora",
  "rlhf",
  "rag",
  "檢索",
  "embedding",
  "向量",
  "temperature",
  "溫度",
  "top-k",
  "top-p",
  "top k",
  "top p",
  "取樣",
  "採樣",
  "sampling",
  "機率",
  "幻覺",
  "hallucinat",
  "資料",
  "演算法",
  "python",
  "colab",
  "gpu",
  "程式",
  "agent",
  "代理",
  "推理",
  "reasoning",
  "diffusion",
  "擴散",
  "接龍",
  "tokenizer",
  "詞彙",
  "vocabulary",
  "chat template",
  "system prompt",
  "context",
  "上下文",
  "文字接龍",
  "語言",
  "hugging face",
  "huggingface",
  "pytorch",
  "transformers",
  "benchmark",
  "評估",
  "量化",
  "quantiz",
  "gguf",
  "生成式",
  "genai",
  "openai",
  "機器",
  "學習",
  "network",
  "model",
  "learning",
  "logit",
  "softmax",
  "penalty",
  "encode",
  "decode",
  "encoder",
  "decoder",
  "pipeline",
  "斷詞",
  "分詞",
  "神經",
  "layer",
  "梯度",
  "gradient",
  "loss",
  "損失函數",
  "dataset",
  "資料集",
  "api",
  "bm25",
  "rrf",
  "融合",
  "索引",
  "chunk",
  "切塊",
  "聊天機器人",
  "對話",
  "computer use",
  "operator",
  "deepseek",
  "mistral",
  "qwen",
  "多模態",
  "multimodal",
  "影像生成",
  "語音",
  "翻譯模型",
  "對齊",
  "alignment",
  "安全",
  "偏見",
  "bias",
  "evaluation",
  "指令",
  "instruction",
  "bpe",
  "tokeniz",
  "合併規則",
  "編碼",
  "解碼",
  "字典",
  "nucleus",
  "min-p",
  "min p",
  "repeat",
  "重複懲罰",
  "system",
  "user",
  "assistant",
  "角色",
  "template",
  "模板",
  "樣板",
  "context window",
  "窗口",
  "記憶",
  "預訓練",
  "pretrain",
  "pre-train",
  "instruct",
  "chatbot",
  "gemma",
  "phi",
  "mixtral",
  "sora",
  "midjourney",
  "stable diffusion",
  "dall",
  "圖像生成",
  "文字生成",
  "生圖",
  "prompt engineering",
  "思維鏈",
  "chain of thought",
];

export function isCrisisMessage(message: string): boolean {
  const text = normalize(message);
  return CRISIS_PATTERNS.some((pattern) => pattern.test(text));
}

export function isHarmfulRequest(message: string): boolean {
  const text = normalize(message);
  return HARMFUL_PATTERNS.some((pattern) => pattern.test(text));
}

export function isSmallTalk(message: string): boolean {
  const text = normalize(message).replace(/[!！?？。.,，~～]+$/u, "");
  return text.length <= 20 && SMALL_TALK.test(text);
}

export function mentionsCourse(message: string): boolean {
  const text = normalize(message);
  return COURSE_TERMS.some((term) =>
    /^[a-z]/.test(term) && term.length <= 3
      ? new RegExp(`\\b${term}\\d*\\b`).test(text)
      : text.includes(term),
  );
}

export type MessageKind = "crisis" | "harmful" | "smalltalk" | "question";

/** Classifies a message before retrieval. Crisis wins over everything. */
export function classifyMessage(message: string): MessageKind {
  if (isCrisisMessage(message)) return "crisis";
  if (isHarmfulRequest(message)) return "harmful";
  if (isSmallTalk(message)) return "smalltalk";
  return "question";
}

export interface RelevanceDecision {
  /** Retrieval found passages that plausibly answer the question. */
  covered: boolean;
  /** What to do when it did not. */
  fallback: "refuse-off-topic" | "say-not-covered" | undefined;
}

/**
 * After retrieval. A question that mentions nothing of the course is declined unless its best
 * passage is strong (relevance ≥ offTopicBelow); a course question is answered by the model unless
 * nothing at all matched (relevance < notCoveredBelow), when it gets the fixed "not covered" reply
 * instead of a guess. See README "Safety and honesty" for the calibration.
 */
export function decideRelevance(
  message: string,
  relevance: number,
  thresholds: { offTopicBelow: number; notCoveredBelow: number },
): RelevanceDecision {
  if (relevance < thresholds.notCoveredBelow) {
    return { covered: false, fallback: mentionsCourse(message) ? "say-not-covered" : "refuse-off-topic" };
  }
  if (relevance < thresholds.offTopicBelow && !mentionsCourse(message)) {
    return { covered: false, fallback: "refuse-off-topic" };
  }
  return { covered: true, fallback: undefined };
}
