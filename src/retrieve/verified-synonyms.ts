/**
 * Words students use for course logistics, each mapped to one canonical term both a question and a
 * verified answer get when they mention it (「死線」, 「deadline」, 「截止」 → 截止). Written from general
 * course vocabulary; the staff glossary (GLOSSARY_FILE) adds the course's own. Patterns see the
 * normalized, lower-cased text.
 */
export const VERIFIED_SYNONYMS: ReadonlyArray<readonly [string, RegExp]> = [
  ["〔截止〕", /截止|死線|deadline|\bdue\b|最晚|最後繳交/],
  ["〔遲交〕", /遲交|晚交|補交|\blate\b|過了才交/],
  ["〔繳交〕", /繳交|上傳|submit|交到|怎麼交|交什麼|要交/],
  ["〔考試〕", /考試|期中考|期末考|\bexams?\b|紙筆/],
  ["〔成績〕", /成績|分數|\bgrades?\b|\bscores?\b|給分|幾趴|比例|占幾|佔幾/],
  ["〔專題〕", /期末專題|專題|final project/],
  ["〔分組〕", /分組|組員|一組|幾人|幾個人|一個人做|自己一個人/],
  ["〔ai工具〕", /chatgpt|\bgpt\b|claude|copilot|gemini|\bai\b|生成式工具/],
  ["〔抄襲〕", /抄襲|作弊|抄同學|\bcopy\b|複製/],
  ["〔合作〕", /合作|一起寫|一起做|討論|組隊寫/],
  ["〔gpu〕", /gpu|顯卡|顯示卡|算力/],
  ["〔officehour〕", /office ?hours?|\boh\b|辦公時間|固定時間.*問|找助教問/],
  ["〔錄影〕", /錄影|影片|video|recording|重播/],
  ["〔加簽〕", /加簽|授權碼|加選|沒選到/],
  ["〔程式語言〕", /程式語言|python|\br\b|用什麼語言|哪個版本|套件|package/],
  ["〔參與〕", /課堂參與|參與分|出席|點名|抽點|缺席|slido/],
];
