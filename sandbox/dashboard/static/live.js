// Live updates: listen to the sandbox's server-sent events and, when one of the kinds this
// page shows arrives, read the page again and swap its content in (no reload, no framework).
(function () {
  "use strict";
  var body = document.body;
  var kinds = (body.dataset.live || "").split(" ").filter(Boolean);
  var status = document.getElementById("live-status");
  if (!kinds.length || !window.EventSource) { return; }
  var timer = null;
  var busy = false;

  function refresh() {
    timer = null;
    if (busy) { timer = setTimeout(refresh, 100); return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var next = new DOMParser().parseFromString(html, "text/html");
        ["live", "clock-now"].forEach(function (id) {
          var now = document.getElementById(id), fresh = next.getElementById(id);
          if (now && fresh) { now.innerHTML = fresh.innerHTML; }
        });
        body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
      })
      .finally(function () { busy = false; });
  }

  var source = new EventSource(body.dataset.events);
  // A browser holds at most 6 connections to one host over HTTP/1.1: a stream left open by a
  // page navigated away from (or kept in the back/forward cache) would take one of them.
  window.addEventListener("pagehide", function () { source.close(); });
  // Back from that cache, the page is stale and its stream closed: read it again.
  window.addEventListener("pageshow", function (e) { if (e.persisted) { window.location.reload(); } });
  source.addEventListener("hello", function () { status.textContent = "live"; body.dataset.stream = "open"; });
  source.onerror = function () { status.textContent = "reconnecting"; };
  kinds.forEach(function (kind) {
    source.addEventListener(kind, function () {
      if (timer === null) { timer = setTimeout(refresh, 150); }
    });
  });
})();
