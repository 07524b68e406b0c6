/**
 * Deterministic message rules that run before (and regardless of) the model: crisis, harmful
 * requests, small talk, and whether a question is about the course at all. Pure.
 *
 * The model's instructions are a second layer; these rules are the first. Crisis patterns look for
 * self-harm intent, not for single words, so 「累死了」「笑死」「殺死 process」「this homework
 * will kill me」 are not mistaken for a crisis. Harmful patterns look for a request to make or do
 * harm, so questions about a threat (「木馬是什麼」「如何防範 AI 詐騙」) are answered.
 */
import { COURSE_TERMS } from "./course-terms.ts";
import { distressSigns } from "./distress.ts";

function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, " ").trim();
}

/**
 * Mentions of the subject rather than of oneself (「自殺防治」, "suicide prevention",
 * 「跳樓大拍賣」). Blanked out before the crisis patterns run, so a first-person phrase elsewhere
 * in the same message still counts.
 */
const TOPICAL_MENTIONS: RegExp[] = [
  /(自殺|自殘|輕生)(防治|防範|預防|議題|新聞|率|相關|內容|訊息|案例|統計)/g,
  /(預防|防治|防範|偵測|辨識)(自殺|自殘|輕生)/g,
  /跳樓(大)?(拍賣|價|特賣|出清)/g,
  /\bsuicide (prevention|rates?|statistics|awareness)\b/g,
  /\b(prevent(ing)?|detect(ing)?) (suicide|self[- ]harm)\b/g,
];

const CRISIS_PATTERNS: RegExp[] = [
  // Traditional Chinese: suicide, wanting to die or not to wake up.
  /自殺|自杀|輕生|尋短|尋死|自我了斷|了結自己/,
  /想死|想去死|去死一死|不想活|活不下去|不想再活|不如死|死了算了|死掉算了|一了百了/,
  /不想(再)?醒來|(希望|但願)(明天|明早)?(不要|別)再?醒來|(睡著|睡下去)(就|之後)?(不要|別|不想)再?醒/,
  /永遠(睡著|睡下去|不要醒|不會醒)|一睡不醒|(沒有|沒)醒來也(沒關係|無所謂|好)|醒不來(也)?(沒關係|無所謂|就好)/,
  /死(了|掉)?(就|才|比較|會比較)?(解脫|輕鬆)|不想(再)?存在|不想活下去|(常常|一直|總是|每天)(會)?想到死/,
  /(我|自己)(不應該|不該|沒資格)(存在|活著)|不想(再)?繼續(下去|活|了)|想(要)?(徹底)?解脫|想放棄(一切|人生|生命|自己)/,
  /(把自己|自己)(弄死|殺死|殺掉|殺了)|(弄死|殺死|殺掉|殺了)自己(?![的開寫跑建])|沒有我(也)?(沒差|沒關係|無所謂|一樣)/,
  /(我的)?存在(只是|就是)?(麻煩|負擔|多餘|錯誤)|我(是|很)多餘的|(跟|向)這個世界(說)?(再見|道別|告別)|如果我(死了|死掉|不在了|消失了)|想(自己|我)死(掉|了)/,
  /(不該|不應該)(被)?(生下來|出生)|想(要)?讓一切(都)?(停下來|停止|結束)|準備好(要)?離開(大家|所有人|這個世界|你們)/,
  /(吃|吞)多(少)?(會|就會|才會)死|怎麼死(比較|最)?(不痛|快)|(每天|一直|常常|總是)(都)?在想(怎麼|要不要)?(離開|消失)($|[,.!?。…~])/,
  /結束(自己的|我的)?生命|結束自己|結束(這)?一切|了結(生命|一切)|離開這個世界/,
  /(從|在)這個世界(上)?消失|消失在這個世界|想(要)?消失|想(要)?永遠離開|讓自己消失|消失算了|就這樣不見/,
  // Means and acts.
  /自殘|自我傷害|傷害自己|割腕|割自己|劃自己|跳樓|燒炭|上吊|吞藥|過量服藥/,
  /(頂樓|樓頂|天台|陽台|窗戶|窗外|橋上|屋頂|高樓|月台|鐵軌).{0,6}跳下(去|來)|跳下去(比較快|就好|算了)|從哪(裡)?跳下去|(頂樓|樓頂|天台|陽台|窗邊|橋上|屋頂|月台).{0,12}要不要跳/,
  /(一次|全部)(吃|吞)(掉|光|下)?.{0,4}安眠藥|安眠藥.{0,8}(一次|全部)(吃|吞)|(存|囤)了?.{0,4}安眠藥/,
  /(吞|吃)了?(一整瓶|整瓶|一堆|很多|一大把|一整排)的?(安眠藥|藥)|(酒|安眠藥)配藥|把藥(全部|一次)(吃|吞)/,
  // Exhaustion with living, being a burden, goodbye letters.
  /(我|真的|再也)撐不下去|我(真的|快|已經)?撐不住了|不想再撐了/,
  /活著(對我來說)?(好|很|真的|真|太|只是)?(累|辛苦|痛苦|折磨|沒意義|沒有意義|沒意思)|沒有活下去的(理由|意義|動力)|活下去(沒|沒有)意義/,
  /(大家|世界|家人|爸媽|所有人)(沒有我|少了我)(會|就)?(更好|比較好)|如果我不在了|我不在了(大家|也沒人|以後)/,
  /活著(只是|只會|就是)?(在)?拖累|我(只是|就是)?(大家|家人)的(負擔|累贅)/,
  /(沒有人|沒人)(會)?(在乎|在意|發現)我(死|消失|不見|不在)|寫好遺書|遺書|(寫|寫好)了?(道別|告別)信|(刀|刀片|美工刀).{0,16}(劃|割)(自己|手)?$/,
  // English.
  /\bsuicid(e|al)\b|\b(kill|harm|harming|hurting|cutting) myself\b/,
  // "hurt / cut myself" only with intent: not "I hurt myself playing basketball".
  /\b(want|wanna|going|urge|thinking about|thought about)( to)? (hurt|cut) myself\b|\b(hurt|cut) myself (again|on purpose)\b/,
  /\b(end|ending|take|taking) my (own )?life\b|\bend it all\b|\bwant (it all|everything) to (end|stop)\b/,
  /\b(want|wanna|going|ready|wish i could( just)?) (to )?die\b|\b(thinking|thought) (about|of) (ending it|ending my life|killing myself)\b|\bwish i (was|were) dead\b|\bwish i (had )?never (been born|existed)\b/,
  /\b(don't|do not) want to (live|be alive|exist|wake up)\b|\bno reason to live\b|\b(not|isn't|is not) worth living\b/,
  /\b(want|wanna|going|plan|planning|ready) to end (it|things|everything)\b(?! (with|by|at|after|before|using|when|on)\b)|\b(don't|do not) want to be (here|alive|around) (anymore|any more)\b/,
  /\b(jump|jumping) off (the |a |this )?(roof|bridge|building|balcony|cliff)\b|\b(planning|plan|going|want|wanna) to overdose\b/,
  /\b(thinking|think|thought) about (dying|death|suicide)\b|\b(i'm|i am) (done with life|done living|tired of (living|being alive|life))\b/,
  /\b(want|wanna|wish i could) (to )?(sleep forever|never wake up)\b|\bif i live or die\b|\b(nobody|no one) would (miss me|care if i|notice if i)|\bpoint (of|in) (living|going on)\b/,
  /\b(take|taking|swallow|swallowing) (all|every one of) my (pills|meds|medication)\b|\b(wrote|writing|write) (a |my )?(goodbye|suicide) (letter|note)\b/,
  /\bbetter off (dead|without me)\b|\bbetter off if i (was|were|am) (dead|gone)\b/,
  /\b(want|wanna|wish i could) (to )?disappear\b/,
  /\bi('ve been| am|'m| have been)?\b[^.?!]{0,15}\bself[- ]harm(ing)?\b/,
  // "I can't go on", but not "I can't go on the trip / with the project".
  /\bi (can't|cannot) go on\b(?! (to|with|the|a|an|my|this|that|vacation|holiday|trip|stage|tour|leave|break)\b)/,
];

/** Someone asking for something: the subject of a harmful request. */
const ASK_ZH = "(?:幫我|幫忙|教我|告訴我|替我|給我|請你|我想|我要|我打算|怎麼|怎樣|如何)";
/**
 * Filler between the ask, the verb and the object. Never a passive (被), a defence (防範, 辨識,
 * 偵測…) or an explanation (介紹, 解釋…): those make it a question about the harm, not a request.
 */
const gapZh = (max: number) =>
  `(?:(?!被|防|辨識|識別|偵測|檢測|分辨|避免|擋|過濾|介紹|解釋|說明|分析|研究|整理|認識|關於|有關)[^,.?!。]){0,${max}}`;
const ASK_EN =
  "(?:^|\\b(?:help me|teach me|show me|tell me how to|how (?:do|can|could|would|should) i|how to|can you|could you|would you|please|i want to|i wanna|i need to|let's)\\s+)";
const GAP_EN =
  "(?:(?!detect|recogni|spot|identify|block|filter|avoid|prevent|protect|defend|about|explain)[^.?!,]){0,30}";

const HARMFUL_PATTERNS: RegExp[] = [
  /(教我|告訴我|我想|我要|怎麼|如何|幫我|方法).{0,4}(做|製作|製造|自製|組裝|買到).{0,4}(炸彈|炸藥|爆裂物|毒品|冰毒|安非他命|槍|武器|毒藥)/,
  new RegExp(
    `${ASK_ZH}${gapZh(6)}(駭入|駭進|入侵|破解|盜取|盜用|偷)${gapZh(8)}(帳號|密碼|系統|網站|電腦|伺服器|信用卡|個資|資料庫|wifi|ig|fb)`,
  ),
  // Making or sending malware, phishing and scam messages.
  new RegExp(
    `${ASK_ZH}${gapZh(4)}(寫|做|製作|製造|開發|產生|生成|弄|設計|架|發|寄|散布|傳)${gapZh(10)}` +
      "(木馬|勒索軟體|勒索病毒|惡意程式|惡意軟體|病毒程式|電腦病毒|後門程式|鍵盤側錄|" +
      "釣魚(信|網站|網頁|郵件|簡訊|連結)|詐騙(簡訊|訊息|信|郵件|網站|網頁|電話|話術|劇本|文案|貼文))",
  ),
  new RegExp(`${ASK_ZH}${gapZh(4)}(詐騙|騙)(別人|他人|老人|長輩|同學|網友|人|錢)`),
  /(考試|期中|期末|線上測驗).{0,6}(作弊|偷看答案)|(作弊).{0,6}(方法|技巧|不被抓)/,
  /(怎麼|如何|教我).{0,6}(傷害|毒死|殺)(別人|他人|人|同學|老師)/,
  /\b(make|build|how to make) (a )?(bomb|explosive|meth|poison|gun)\b/,
  new RegExp(`${ASK_EN}(hack|break) into\\b`),
  /\bsteal (a |someone's )?(password|account|credit card)\b/,
  new RegExp(
    `${ASK_EN}(write|make|build|create|code|develop|generate|craft|send)\\b${GAP_EN}` +
      "\\b(ransomware|malware|keylogger|trojan|computer virus|phishing (emails?|pages?|sites?|links?|messages?)|scam (texts?|messages?|emails?|calls?|scripts?))\\b",
  ),
  /\bcheat (on|in) (the |an |my )?(exam|test|quiz|midterm|final)\b/,
];

/** Whole messages that are greetings, thanks or farewells. */
const SMALL_TALK =
  /^(你好|您好|哈囉|哈嘍|嗨|安安|早安|午安|晚安|早|早上好|晚上好|謝謝|謝啦|感謝|多謝|謝謝你|謝謝您|感謝你|辛苦了|掰掰|拜拜|再見|hi|hello|hey|hiya|yo|good (morning|afternoon|evening|night)|thanks|thank you|thx|ty|bye|goodbye|see you|ok|okay|好的|好|了解|知道了|收到|你是誰|你是什麼|你會做什麼|你可以做什麼|who are you|what can you do)(啦|喔|哦|呀|啊|囉|～|~|!|！|。|\.|,|，|\s|助教|老師|ta|bot)*$/;

export function isCrisisMessage(message: string): boolean {
  const text = TOPICAL_MENTIONS.reduce((rest, mention) => rest.replace(mention, " "), normalize(message));
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

/** The course words a message contains (short English words only as whole words). */
export function matchedCourseTerms(message: string): string[] {
  const text = normalize(message);
  return COURSE_TERMS.filter((term) =>
    /^[a-z]/.test(term) && term.length <= 3
      ? new RegExp(`\\b${term}\\d*\\b`).test(text)
      : text.includes(term),
  );
}

export function mentionsCourse(message: string): boolean {
  return matchedCourseTerms(message).length > 0;
}

export type MessageKind = "crisis" | "harmful" | "smalltalk" | "question";

/** Classifies a message before retrieval. Crisis wins over everything. */
export function classifyMessage(message: string): MessageKind {
  if (isCrisisMessage(message)) return "crisis";
  // A strong sign of distress, or two weaker ones in a message that is not about the course.
  const distress = distressSigns(message);
  if (distress.strong > 0 || (distress.weak >= 2 && !mentionsCourse(message))) return "crisis";
  if (isHarmfulRequest(message)) return "harmful";
  if (isSmallTalk(message)) return "smalltalk";
  return "question";
}

export interface RelevanceDecision {
  /** Retrieval found passages that plausibly answer the question. */
  covered: boolean;
  /** What to do when it did not. */
  fallback: "refuse-off-topic" | "say-not-covered" | "support" | undefined;
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
  // A message the material cannot answer that shows any sign of distress gets support, not a
  // polite "off-topic": declining a student in trouble is the worse mistake.
  const unanswered = (fallback: "refuse-off-topic" | "say-not-covered"): RelevanceDecision => ({
    covered: false,
    fallback: distressSigns(message).weak > 0 ? "support" : fallback,
  });
  if (relevance < thresholds.notCoveredBelow) {
    return unanswered(mentionsCourse(message) ? "say-not-covered" : "refuse-off-topic");
  }
  if (relevance < thresholds.offTopicBelow && !mentionsCourse(message)) return unanswered("refuse-off-topic");
  return { covered: true, fallback: undefined };
}
