/**
 * Signs of distress that are not an explicit crisis phrase: hopelessness, exhaustion with living,
 * being a burden, wanting to vanish, saying goodbye, giving things away. Pure.
 *
 * The crisis patterns in rules.ts catch explicit intent; students in trouble more often write
 * around it (「我的貓可以拜託誰照顧嗎 我可能沒辦法再照顧她了」, "this is my last message"). These cues
 * are weighed, not matched one by one: a single weak cue (「好累」) only counts when the message is
 * not about the course anyway, so 「期中考好累喔，LoRA 會考嗎」 is still answered.
 */

/** Cues that alone say "this student may be in danger". */
const STRONG_CUES: RegExp[] = [
  /臥軌|劃手|割手|撞(大)?(卡車|車)|不煞車|往前(一步|跳)|站在(橋|頂樓|天台|月台)|(藥|安眠藥).{0,6}(存|囤|準備)|遺言/,
  /(不要|不想|不該)(再)?存在|存在(是|只是)?(多餘|錯誤)|沒有我.{0,6}(比較好|更好|會過得)|(全家|大家|家裡)的(負擔|累贅|恥辱)|是(個)?(負擔|累贅)/,
  /(永遠|再也)(部|不)?要?(不要)?醒|怎麼又醒了|不用再起來|不想(面對|迎接)明天|明天(也)?不會(變)?(好|更好)/,
  /(以後|之後)(都)?用不到了|拜託(誰|你|大家)照顧|沒辦法再照顧|不會再麻煩|不會(再)?回來了|不用(再)?找我|最後一(次|則|個)(問|訊息|message)|道別|(跟|向).{0,6}說(了)?(對不起|再見)/,
  /(人生|一切|我).{0,4}(沒救|完了|就是(一個)?錯誤|爛透)|活著(又)?有什麼意義|為什麼還(要|在)(繼續|這裡|活)|沒有 ?continue|叫我放棄|行屍走肉|用什麼方法.{0,6}不(會)?痛/,
  /\b(gonna|going to|ready to|want to) end it\b|\bpainless\b|\b(wrote|writing) (a|the) note\b|\blast message\b|\bcutting (again|myself)\b|\bstopped taking my meds\b|\bdon't care what happens to me\b|\b(life|everything) is over\b|\bdone with everything\b|\btired of existing\b|\bdon't see the point\b|\bcan't do this anymore\b|\bmy body is here\b/,
];

/** Cues that count when two appear, or one in a message that is not about the course. */
const WEAK_CUES: RegExp[] = [
  /不行了|game ?over|消失|蒸發|不見了|沒(有)?人(會)?(發現|在乎|注意|需要)|不需要我|沒有(人)?可以說|還能跟誰說|說說話/,
  /(沒有|沒)(價值|意義|希望|動力)|廢物|厭世|絕望|痛苦|崩潰|憂鬱|想不開|空掉|麻木|困在|爬不出|受不了|撐不/,
  /好累|累了|好想哭|想哭|哭不出來|失眠|睡不著|(沒|不想)吃(東西|飯)|什麼都不想(做)?|不想出門|放棄/,
  /平靜|解脫|休息|醒來|對不起|再見|謝謝.{0,8}(照顧|這學期)|人生|活著|繼續下去/,
  /\b(hopeless|worthless|numb|empty inside|exhausted|burden|goodbye|alone|anymore|can't (sleep|eat|focus)|what's the point|no point|give up)\b/,
];

export interface DistressSigns {
  strong: number;
  weak: number;
}

export function distressSigns(message: string): DistressSigns {
  const text = message.normalize("NFKC").toLowerCase().replace(/[’‘`]/g, "'");
  return {
    strong: STRONG_CUES.filter((cue) => cue.test(text)).length,
    weak: WEAK_CUES.filter((cue) => cue.test(text)).length,
  };
}
