// newswatch console: progressive enhancement only. Every page is complete without this file.
// No inline script anywhere (the Content-Security-Policy forbids it); all text goes in via textContent.
(function () {
  "use strict";

  // htmx requests carry the anti-forgery token (only our own origin: htmx selfRequestsOnly)
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
    if (e.detail.verb === "get") { delete e.detail.parameters["csrf_token"]; }
  });

  // forms that ask before acting
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.classList && f.classList.contains("confirm") && !window.confirm(f.dataset.confirm || "Sure?")) {
      e.preventDefault();
    }
  });

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }

  function hhmm(iso) {
    if (!iso) { return ""; }
    var s = String(iso);
    return s.length >= 16 ? s.slice(0, 16).replace("T", " ") : s;
  }

  function link(href, text) {
    var a = el("a", "", text || "(untitled)");
    a.href = href;
    return a;
  }

  // ---- Live page --------------------------------------------------------------------------------
  function live() {
    var root = document.getElementById("live");
    if (!root || root.dataset.off || !window.EventSource) { return; }
    var max = parseInt(root.dataset.buffer || "200", 10);
    var articles = document.getElementById("live-articles");
    var alerts = document.getElementById("live-alerts");
    var status = document.getElementById("live-status");
    var pauseBtn = document.getElementById("pause");
    var heldLabel = document.getElementById("held");
    var paused = false, held = [];
    pauseBtn.classList.remove("hidden-until-js");

    function trim(list) { while (list.children.length > max) { list.removeChild(list.lastChild); } }

    function articleNode(a) {
      var li = el("li", "item article-item fresh");
      li.dataset.id = a.id;
      li.appendChild(el("time", "", hhmm(a.ingested_at)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link("/articles/" + encodeURIComponent(a.id), a.title));
      var meta = el("span", "meta");
      if (a.source) { meta.appendChild(el("span", "source", a.source)); }
      (a.countries || []).slice(0, 5).forEach(function (c) { meta.appendChild(el("span", "cc", c)); });
      li.appendChild(meta);
      return li;
    }

    function alertNode(a) {
      var li = el("li", "item alert-item fresh");
      li.dataset.rule = a.rule;
      li.dataset.article = a.article_id;
      li.appendChild(el("time", "", hhmm(a.fired_at)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "rule", a.rule));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link("/articles/" + encodeURIComponent(a.article_id), a.title));
      if (a.snippet) { li.appendChild(el("div", "snippet", a.snippet)); }
      return li;
    }

    function show(kind, data) {
      var list = kind === "alert" ? alerts : articles;
      list.insertBefore(kind === "alert" ? alertNode(data) : articleNode(data), list.firstChild);
      trim(list);
      window.__nwLastEvent = { kind: kind, at: Date.now(), data: data };
      document.dispatchEvent(new CustomEvent("nw:live", { detail: { kind: kind, data: data } }));
    }

    function take(kind, data) {
      if (paused) {
        held.push([kind, data]);
        if (held.length > max) { held.shift(); }
        heldLabel.textContent = held.length + " waiting";
        return;
      }
      show(kind, data);
    }

    pauseBtn.addEventListener("click", function () {
      paused = !paused;
      pauseBtn.textContent = paused ? "Resume" : "Pause";
      pauseBtn.classList.toggle("primary", paused);
      if (!paused) {
        held.forEach(function (p) { show(p[0], p[1]); });
        held = [];
        heldLabel.textContent = "";
      }
    });

    var source = new EventSource(root.dataset.stream);
    ["article", "alert"].forEach(function (kind) {
      source.addEventListener(kind, function (e) {
        try { take(kind, JSON.parse(e.data)); } catch (err) { /* a malformed event is skipped */ }
      });
    });
    source.addEventListener("status", function (e) {
      try {
        var s = JSON.parse(e.data).status;
        status.textContent = s;
        status.dataset.status = s;
      } catch (err) { /* ignore */ }
    });
    source.addEventListener("dropped", function (e) {
      try { heldLabel.textContent = JSON.parse(e.data).dropped + " dropped: this page fell behind"; } catch (err) { /* ignore */ }
    });
    source.onerror = function () { status.textContent = "reconnecting…"; status.dataset.status = "reconnecting"; };
    source.onopen = function () { status.textContent = "connected"; status.dataset.status = "connected"; };
  }

  document.addEventListener("DOMContentLoaded", live);
})();
