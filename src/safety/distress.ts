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
  /(以後|之後)(都)?用不到了|拜託(誰|你|大家)照顧|沒辦法再照顧|不會再麻煩|不會(再)?回來了|不用(再)?找我|最後一(次|則|個)(問|訊息|message)|道別|(跟|向).{0,6}說(了|聲)?(對不起|再見)|如果我.{0,12}(不見了|消失了)/,
  /(人生|一切|我).{0,4}(沒救|完了|就是(一個)?錯誤|爛透)|活著(又)?有什麼意義|為什麼還(要|在)(繼續|這裡|活)|沒有 ?continue|叫我放棄|行屍走肉|用什麼方法.{0,6}不(會)?痛/,
  // Means, places and plans said around the act: 「炭已經買好了」, 「窗戶用膠帶封起來」, 「河邊…跳下去」.
  /(買|準備)(好|了)?.{0,4}炭|炭.{0,6}(買好|準備好|買了)|(窗|門|縫).{0,8}(膠帶|封起來|封死)|跳下去(會不會|就)|(河|橋|海|堤防)邊.{0,16}跳|(哪種|什麼)方法.{0,8}(不會痛|比較不痛|死)/,
  /不想要?明天(到來|來|出現)|不要有明天|這輩子就這樣|看不到(任何)?(出口|未來|盡頭)|告別式|拖油瓶|存在就是(在)?拖累|(從|離開)這個世界(登出|下線)|登出(這個)?(世界|人生)/,
  /(東西|全部|筆電|遊戲機).{0,6}(都)?送(掉|人|光|給)|(帳號|密碼).{0,12}(交給|留給|寫下來給)|(貓|狗|寵物|兔子).{0,10}(託給|送給|交給|找新家)|活著.{0,4}有什麼意義/,
  /不用再撐|真的晚安了|(那|出車禍|死掉|走)的(人)?(如果)?是我就好了|沒有(什麼)?理由再|(結束|結束的時候).{0,10}(我|自己)也.{0,6}(結束|要結束)|從所有人的生活(裡)?退出|\bnice knowing (you|u|y'all)\b|\bgiving (all )?my (stuff|things) away\b|\ba plan and a date\b|\bbefore it happens\b/,
  /\b(won't|will not|not) be around\b|\b(don't think|not sure) i'll (still )?be around\b|\bstockpil(e|ing) (my |the )?(meds|pills)\b|\bthis weekend is it\b|\bleave nothing behind\b|\b(just )?not wake up\b|\bif i (disappear|am gone|'m gone|vanish)\b|\bnothing matters\b|\bdoesn't matter (anymore|any more)\b/,
  /\b(gonna|going to|ready to|want to) end it\b(?! (with|by|at|after|before|using|when|on|in|for)\b)|\bpainless\b|\b(wrote|writing) (a|the) note\b|\blast message\b|\bcutting (again|myself)\b|\bstopped taking my meds\b|\bdon't care what happens to me\b|\b(life|everything) is over\b|\bdone with everything\b|\btired of existing\b|\bdon't see the point\b|\bcan't do this anymore\b|\bmy body is here\b/,
];

/** A means or a place of self-harm. */
const MEANS_OR_PLACE =
  /安眠藥|普拿疼|止痛藥|一整(排|瓶).{0,3}藥|整瓶.{0,3}藥|媽媽的藥|刀片|美工刀|繩子|炭|農藥|頂樓|天台|樓頂|橋(下|上|邊)|鐵軌|軌道|月台|河堤|懸崖|\b(pills?|meds|blades?|rope|bridge|rooftop|train tracks)\b/;
/** An act, a plan or a time said with it: 「刀片…割得比平常深」, 「上頂樓…門沒有鎖」, "pills… enough". */
const ACT_OR_PLAN =
  /割|吞|跳|上吊|上去|撞|今晚|今天晚上|這個?週末|下課就|就等|計畫|量好|查好|確認過|記下來|藏在|存到|經過|夠不夠|最不容易|\b(enough|tonight|plan|took|swallowed|counting)\b/;

/** Cues that count when two appear, or one in a message that is not about the course. */
const WEAK_CUES: RegExp[] = [
  /不行了|game ?over|消失|蒸發|沒(有)?人(會)?(發現|在乎|注意|需要)|不需要我|沒有(人)?可以說|還能跟誰說|說說話/,
  /(沒有|沒)(價值|意義|希望|動力)|廢物|厭世|絕望|痛苦|(整個人|我|快要?)崩潰|憂鬱|想不開|空掉|麻木|困在|爬不出|受不了|撐不/,
  /好累|累了|(我|好|一直)想哭|哭不出來|沒感覺了|(整個人|心).{0,4}空(的|了)|失眠|睡不著|(沒|不想)吃(東西|飯)|什麼都不想(做)?|不想出門|放棄/,
  /平靜|解脫|休息|醒來|對不起|再見|謝謝.{0,8}(照顧|這學期|耐心)|人生|活著|繼續下去|保重|放下了/,
  /有什麼用|都不要了|盡頭|極限|不屬於|當我是空氣|空空的|沒有感覺|倒數|拖累|麻煩|\b(keep going|bye everyone|never wake up|disappear)\b/,
  /\b(hopeless|worthless|numb|empty inside|exhausted|burden|goodbye|alone|anymore|can't (sleep|eat|focus)|what's the point|no point|give up)\b/,
];

export interface DistressSigns {
  strong: number;
  weak: number;
}

export function distressSigns(message: string): DistressSigns {
  const text = message.normalize("NFKC").toLowerCase().replace(/[’‘`]/g, "'");
  const meansWithIntent = MEANS_OR_PLACE.test(text) && ACT_OR_PLAN.test(text) ? 1 : 0;
  return {
    strong: STRONG_CUES.filter((cue) => cue.test(text)).length + meansWithIntent,
    weak: WEAK_CUES.filter((cue) => cue.test(text)).length,
  };
}
