"""The report's inline style and script (no network: the page loads nothing else).

The script reads the case data from the ``<script type="application/json">`` block and
draws one page of cases at a time; every value reaches the page through ``textContent``
or a DOM property, never as markup. A case's step timeline is built when it is opened.
"""

from __future__ import annotations

CSS = """
:root{--ok:#1b7f3b;--biz:#b26a00;--sys:#b3261e;--pend:#555;--line:#ddd}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK JP","Noto Sans JP",sans-serif;margin:0 auto;max-width:1200px;
padding:16px 24px;color:#222;line-height:1.45}
h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:1.4em 0 .5em}
table{border-collapse:collapse}th,td{border:1px solid var(--line);padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:600}
.summary th{width:13em}.data,.key,.err,.val{unicode-bidi:isolate;overflow-wrap:anywhere}
.counts td.n{text-align:right;font-weight:700;min-width:4em}
.advice{font-size:.92em;color:#333}
.verdict-ok{color:var(--ok);font-weight:700}.verdict-bad{color:var(--sys);font-weight:700}
.bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:.5em 0}
.bar button{border:1px solid #888;background:#fff;border-radius:4px;padding:4px 10px;
cursor:pointer;font:inherit}.bar button[aria-pressed=true]{background:#222;color:#fff}
.bar input{font:inherit;padding:4px 8px;min-width:18em}
#pageinfo{margin-left:auto;color:#555}
details.case{border:1px solid var(--line);border-left:6px solid var(--pend);margin:3px 0;
border-radius:3px}
details.case.s-done{border-left-color:var(--ok)}
details.case.s-business_failed{border-left-color:var(--biz)}
details.case.s-failed{border-left-color:var(--sys)}
details.case.s-mismatch{border-left-color:var(--sys);border-left-style:double}
details.case>summary{cursor:pointer;padding:4px 8px;display:grid;
grid-template-columns:12em 12em 7em 6em 1fr;gap:8px}
.badge{font-weight:600}.num{color:#444;text-align:right}.err{color:var(--sys)}
.body{padding:6px 12px 10px}.body table{width:100%;font-size:.9em;margin-top:6px}
.outputs span{display:inline-block;margin-right:1.2em}
td.o-ok{color:var(--ok)}td.o-error{color:var(--sys)}td.o-business_error{color:var(--biz)}
.shot img{max-width:100%;max-height:560px;border:1px solid #aaa;margin-top:8px}
.muted{color:#666;font-size:.9em}
"""

JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var S = D.strings, PAGE = 100, KNOWN = ["done", "business_failed", "failed", "mismatch",
               "pending", "uncertain"];
  var state = {status: null, query: "", page: 0}, shown = [];
  var list = document.getElementById("cases"), info = document.getElementById("pageinfo");
  var prev = document.getElementById("prev"), next = document.getElementById("next");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function ms(n) { return n >= 1000 ? (n / 1000).toFixed(2) + " s" : n + " ms"; }
  function label(s) { return D.labels[s] || String(s); }
  function klass(s) { return KNOWN.indexOf(s) >= 0 ? "s-" + s : "s-other"; }

  function matches(c) {
    if (state.status !== null && c[1] !== state.status) { return false; }
    return !state.query || c[0].toLowerCase().indexOf(state.query) >= 0;
  }

  function render() {
    shown = D.cases.filter(matches);
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    var frag = document.createDocumentFragment();
    shown.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (c) {
      frag.appendChild(caseNode(c));
    });
    list.replaceChildren(frag);
    info.textContent = shown.length + " 件 (cases) · " + (state.page + 1) + " / " + pages
      + " ページ (page)";
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }

  function caseNode(c) {
    var d = el("details", "case " + klass(c[1]));
    d.dataset.key = c[0];
    d.dataset.status = c[1];
    var s = el("summary");
    s.append(el("span", "key", c[0]), el("span", "badge", label(c[1])),
             el("span", "num", c[3] + " 回 (tries)"), el("span", "num", ms(c[4])),
             el("span", "err", c[5]));
    d.appendChild(s);
    d.addEventListener("toggle", function () {
      if (d.open && !d.dataset.built) { d.dataset.built = "1"; d.appendChild(caseBody(c)); }
    });
    return d;
  }

  function caseBody(c) {
    var b = el("div", "body");
    var where = "行 (row) " + c[2] + (c[9] ? " · 照会で確認済み (verified)" : "");
    b.appendChild(el("div", "muted", where));
    if (c[6].length) {
      var o = el("div", "outputs");
      o.appendChild(el("strong", "", "出力 (outputs): "));
      c[6].forEach(function (p) { o.appendChild(el("span", "val", p[0] + " = " + p[1])); });
      b.appendChild(o);
    }
    if (c[5]) { b.appendChild(el("div", "err", "エラー (error): " + c[5])); }
    if (c[10].length) { b.appendChild(stepTable(c[10], c[11])); }
    c[8].forEach(function (i) { b.appendChild(shot(D.shots[i], i === c[7])); });
    return b;
  }

  function stepTable(rows, dropped) {
    var t = el("table", "steps"), h = el("tr");
    ["#", "ステップ (step)", "操作 (action)", "対象 (target)", "一致 (matched)",
     "値 (value)", "試行 (attempt)", "時間 (time)", "結果 (outcome)", "エラー (error)"]
      .forEach(function (x) { h.appendChild(el("th", "", x)); });
    t.appendChild(h);
    rows.forEach(function (r, n) {
      var tr = el("tr");
      tr.appendChild(el("td", "num", n + 1));
      [0, 1, 2, 3, 4].forEach(function (i) { tr.appendChild(el("td", "data", S[r[i]])); });
      tr.appendChild(el("td", "num", r[5] + (r[6] > 1 ? " · " + r[6] : "")));
      tr.appendChild(el("td", "num", ms(r[7])));
      tr.appendChild(el("td", "o-" + (["ok", "error", "business_error"].indexOf(S[r[8]]) >= 0
                                       ? S[r[8]] : "other"), S[r[8]]));
      tr.appendChild(el("td", "err", S[r[9]]));
      t.appendChild(tr);
    });
    if (dropped) {
      var more = el("tr"), td = el("td", "muted", "… +" + dropped + " 行省略 (rows not shown)");
      td.colSpan = 10;
      more.appendChild(td);
      t.appendChild(more);
    }
    return t;
  }

  function shot(s, final) {
    var f = el("figure", "shot"), a = el("a"), img = el("img");
    img.alt = final ? "失敗時の画面 (screen at the failure)" : "画面 (screen)";
    img.src = s.src;
    a.href = s.href;
    a.appendChild(img);
    f.append(a, el("figcaption", "muted", s.href + (s.inline ? "" : " (リンク / linked)")));
    return f;
  }

  document.querySelectorAll("button[data-status]").forEach(function (b) {
    b.addEventListener("click", function () {
      var v = b.dataset.status;
      state.status = v === "*" ? null : v;
      state.page = 0;
      document.querySelectorAll("button[data-status]").forEach(function (o) {
        o.setAttribute("aria-pressed", String(o === b));
      });
      render();
    });
  });
  document.getElementById("search").addEventListener("input", function (e) {
    state.query = e.target.value.trim().toLowerCase();
    state.page = 0;
    render();
  });
  prev.addEventListener("click", function () { state.page -= 1; render(); });
  next.addEventListener("click", function () { state.page += 1; render(); });
  var sess = document.getElementById("session-steps");
  if (sess && D.session.length) { sess.appendChild(stepTable(D.session, 0)); }
  render();
  document.body.dataset.ready = "1";
})();
"""
