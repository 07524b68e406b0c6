/** The admin page's one stylesheet and one small script, served from /admin/assets/ (CSP: 'self' only). */

export const ADMIN_CSS = `
:root { --fg:#1d2430; --muted:#5d6878; --line:#d9dee6; --bg:#f6f7f9; --card:#fff; --accent:#2455c3; --warn:#a35200; --bad:#b3261e; --good:#1b7f3b; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans TC","PingFang TC",sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--accent); }
header.top { background:#1d2430; color:#fff; padding:.5rem 1rem; display:flex; flex-wrap:wrap; gap:.25rem 1rem; align-items:center; }
header.top a { color:#fff; text-decoration:none; padding:.25rem .1rem; }
header.top a.active { border-bottom:2px solid #8fb3ff; }
header.top .brand { font-weight:700; margin-right:auto; }
header.top form { margin:0; }
header.top button { background:none; border:1px solid #8a94a6; color:#fff; padding:.15rem .6rem; }
main { max-width:1200px; margin:0 auto; padding:1rem; }
h1 { font-size:1.35rem; margin:.25rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.5rem 0 .5rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.75rem 1rem; margin:0 0 1rem; }
.muted { color:var(--muted); }
.notice { background:#e8f1ff; border:1px solid #b6cdf5; border-radius:6px; padding:.5rem .75rem; margin-bottom:1rem; }
.notice.error { background:#fdecea; border-color:#f3b6b0; }
.notice ul { margin:.25rem 0 0; padding-left:1.25rem; }
table { border-collapse:collapse; width:100%; background:var(--card); }
th, td { text-align:left; vertical-align:top; padding:.4rem .5rem; border-bottom:1px solid var(--line); }
th { font-size:.85rem; color:var(--muted); font-weight:600; white-space:nowrap; }
td.num, th.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
.nowrap { white-space:nowrap; }
.scroll { overflow-x:auto; }
.badge { display:inline-block; padding:0 .4rem; border-radius:4px; font-size:.8rem; background:#e9edf3; white-space:nowrap; }
.badge.weak { background:#fff1e0; color:var(--warn); }
.badge.failed, .badge.down { background:#fdecea; color:var(--bad); }
.badge.up { background:#e6f4ea; color:var(--good); }
.badge.crisis { background:var(--bad); color:#fff; font-weight:700; }
#trace-list tr.crisis td { background:#fdecea; }
#trace-list tr.crisis td:first-child { box-shadow:inset 4px 0 0 var(--bad); }
form.filters { display:flex; flex-wrap:wrap; gap:.5rem .75rem; align-items:flex-end; }
form.filters label, form.stack label { display:flex; flex-direction:column; font-size:.85rem; color:var(--muted); gap:.15rem; }
form.filters label.check, form.stack label.check { flex-direction:row; align-items:center; gap:.3rem; }
form.stack { display:grid; gap:.6rem; align-content:start; }
form.stack h2 { margin:0; }
form.inline { display:inline; margin:0; }
.row { display:flex; flex-wrap:wrap; gap:.5rem .75rem; align-items:flex-end; }
input, select, textarea, button { font:inherit; }
input[type=text], input[type=search], input[type=password], input[type=number], input[type=date], select, textarea { padding:.35rem .45rem; border:1px solid #b9c1cd; border-radius:5px; background:#fff; max-width:100%; }
textarea { width:100%; min-height:5rem; }
button { padding:.35rem .8rem; border-radius:5px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); }
button.danger { background:#fff; color:var(--bad); border-color:var(--bad); }
button:disabled { opacity:.5; cursor:default; }
pre { white-space:pre-wrap; word-break:break-word; background:#f3f5f8; border:1px solid var(--line); border-radius:6px; padding:.6rem; margin:.4rem 0; font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono CJK TC",monospace; }
mark.special { background:#ffe28a; color:#5a3b00; border-radius:3px; padding:0 .1rem; }
details { background:var(--card); border:1px solid var(--line); border-radius:6px; margin:.4rem 0; }
details > summary { cursor:pointer; padding:.45rem .7rem; font-weight:600; }
details > *:not(summary) { margin:0 .7rem .6rem; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; margin:0; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; }
.grid { display:grid; gap:1rem; grid-template-columns:repeat(auto-fit,minmax(300px,1fr)); }
ol.passages { padding-left:1.5rem; }
ol.passages li { margin-bottom:.6rem; }
.pager { display:flex; gap:1rem; margin:1rem 0; }
meter { width:8rem; }
.answer { white-space:pre-wrap; }
.text-block { white-space:pre-wrap; word-break:break-word; background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.6rem .75rem; }
#trace-list td:nth-child(4) { min-width:14rem; }
#trace-list td:nth-child(5) { min-width:12rem; }
@media (max-width: 700px) {
  main { padding:.6rem; }
  table.cards thead { display:none; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display:block; width:100%; }
  table.cards tr { border:1px solid var(--line); border-radius:8px; margin-bottom:.6rem; background:var(--card); padding:.3rem .2rem; }
  table.cards td { border:0; padding:.15rem .5rem; text-align:left; white-space:normal; }
  table.cards td[data-label]::before { content:attr(data-label) " "; color:var(--muted); font-size:.8rem; }
  #trace-list tr.crisis { border:2px solid var(--bad); background:#fdecea; }
  #trace-list tr.crisis td:first-child { box-shadow:none; }
  dl.facts { grid-template-columns:1fr; }
  dl.facts dd { margin-bottom:.3rem; }
}
`;

/** Confirmation for dangerous forms, and streaming for the chat playground (fetch + ReadableStream over SSE). */
export const ADMIN_JS = `
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
(function () {
  var form = document.getElementById("playground");
  if (!form || !window.ReadableStream) return;
  var out = document.getElementById("stream");
  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var sampling = {};
    ["temperature", "topP", "topK", "maxTokens"].forEach(function (name) {
      var value = String(data.get(name) || "").trim();
      if (value !== "") sampling[name] = Number(value);
    });
    out.replaceChildren();
    var passages = el("ol", "", "passages"), answer = el("div", "", "answer"), status = el("p", "waiting for the model…", "muted");
    out.append(el("h2", "Passages"), passages, el("h2", "Answer"), answer, status);
    form.querySelector("button").disabled = true;
    try {
      var response = await fetch("/api/chat", { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: data.get("message"), sampling: sampling, userId: "admin-playground" }) });
      if (!response.ok) { var body = await response.json().catch(function () { return {}; }); throw new Error((body.error && body.error.message) || response.statusText); }
      var reader = response.body.pipeThrough(new TextDecoderStream()).getReader(), buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += chunk.value;
        var blocks = buffer.split("\\n\\n"); buffer = blocks.pop();
        blocks.forEach(function (block) {
          var name = (/^event: (.*)$/m.exec(block) || [])[1];
          var json = block.split("\\n").filter(function (l) { return l.indexOf("data: ") === 0; }).map(function (l) { return l.slice(6); }).join("\\n");
          if (!json) return;
          var event = JSON.parse(json);
          if (name === "retrieval") event.passages.forEach(function (p) {
            var li = el("li"); li.append(el("strong", p.title + " · " + p.location), el("span", "  fused " + p.score.toFixed(4), "muted"), el("pre", p.text)); passages.append(li);
          });
          if (name === "text-delta") { answer.textContent += event.text; status.textContent = "streaming…"; }
          if (name === "done") {
            status.textContent = event.usage.completionTokens + " tokens · first token " + event.timings.firstTokenMs + " ms · total " + event.timings.totalMs + " ms · " + event.timings.tokensPerSecond + " tokens/s · ";
            var link = el("a", "open trace"); link.href = "/admin/traces/" + encodeURIComponent(event.traceId); link.id = "trace-link"; status.append(link);
          }
          if (name === "error") status.textContent = "error: " + event.message;
        });
      }
    } catch (error) { status.textContent = "error: " + error.message; }
    form.querySelector("button").disabled = false;
  });
})();
`;
