// polyverify report.html: filters by verdict, paper and topic, and a search box. Inlined; fetches nothing.
(function () {
  "use strict";
  var claims = Array.prototype.slice.call(document.querySelectorAll("article.claim"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#filters input[name=verdict]"));
  var paper = document.getElementById("f-paper");
  var topic = document.getElementById("f-topic");
  var search = document.getElementById("f-search");
  var count = document.getElementById("f-count");

  function apply() {
    var verdicts = {};
    boxes.forEach(function (b) { if (b.checked) { verdicts[b.value] = true; } });
    var p = paper.value, t = topic.value, q = search.value.trim().toLowerCase(), shown = 0;
    claims.forEach(function (c) {
      var ok = verdicts[c.dataset.verdict] === true && (!p || c.dataset.paper === p) &&
               (!t || c.dataset.topic === t) && (!q || c.dataset.search.indexOf(q) >= 0);
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    // a section (or a whole paper) with no claim left in view is hidden with its heading
    document.querySelectorAll("section.psec, section.paper").forEach(function (s) {
      var any = s.querySelector("article.claim:not([hidden])") !== null;
      var sub = s.classList.contains("depth0") && s.nextElementSibling && s.nextElementSibling.classList.contains("depth1");
      if (sub) {
        for (var n = s.nextElementSibling; n && n.classList.contains("depth1"); n = n.nextElementSibling) {
          if (n.querySelector("article.claim:not([hidden])") !== null) { any = true; }
        }
      }
      s.hidden = !any;
    });
    count.textContent = shown + " of " + claims.length + " claims shown";
  }

  function only(verdict) {
    boxes.forEach(function (b) { b.checked = verdict === null || b.value === verdict; });
    apply();
  }

  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  [paper, topic].forEach(function (s) { s.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  document.querySelectorAll("button.only").forEach(function (b) {
    b.addEventListener("click", function () { only(b.dataset.verdict); });
  });
  document.getElementById("show-all").addEventListener("click", function () {
    paper.value = ""; topic.value = ""; search.value = ""; only(null);
  });
  // a link to a claim that the filters hide clears the filters first
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target && target.closest("[hidden]")) {
      paper.value = ""; topic.value = ""; search.value = ""; only(null);
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  apply();
  reveal();
})();
