// sakimori home page (#8): live deadline countdowns and a "new updates"
// banner. Without this script the page still shows the server's countdown
// text ("残り 3時間12分" / "3 h 12 min left", "overdue by …") and flags.
//
// Every 30 s each <time data-countdown> inside #home is rewritten from its
// datetime, with the formats in #home-labels (the server's own), and its
// [data-due] box gets the class "soon" (under 6 h) or "overdue" and the
// flag's words, so the state is never shown by colour alone. A
// "sakimori:tick" event on the document recounts at once.
//
// When #home has data-stream, an EventSource listens to the dashboard's
// event stream (h_push.go); an event of a kind a section lists in its
// data-live marks that section and shows the banner: the user reloads
// when they choose (the page never reloads by itself).
(function () {
  "use strict";
  var root = document.getElementById("home");
  if (!root) {
    return;
  }
  var labels = {};
  try {
    labels = JSON.parse(document.getElementById("home-labels").textContent);
  } catch (e) {
    labels = {};
  }
  var SOON = 6 * 3600 * 1000;
  function fill(fmt, a, b) {
    return String(fmt || "").replace("9101", String(a)).replace("9202", String(b));
  }
  function dur(ms) {
    var m = Math.floor(Math.abs(ms) / 60000);
    var d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24, mm = m % 60;
    if (d > 0) {
      return fill(labels.dh, d, h);
    }
    if (h > 0) {
      return fill(labels.hm, h, mm);
    }
    return fill(labels.m, mm);
  }
  var ticks = 0;
  function tick() {
    var now = Date.now();
    var els = root.querySelectorAll("time[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) {
        continue;
      }
      var left = at - now;
      var state = left < 0 ? "overdue" : (left < SOON ? "soon" : "");
      el.textContent = String((left < 0 ? labels.over : labels.left) || "{}").replace("{}", dur(left));
      var box = el.closest("[data-due]");
      if (!box) {
        continue;
      }
      box.classList.toggle("overdue", state === "overdue");
      box.classList.toggle("soon", state === "soon");
      box.setAttribute("data-state", state || "open");
      var flag = box.querySelector(".due-flag");
      if (flag) {
        flag.textContent = state ? (labels[state] || "") : "";
        flag.hidden = !state;
      }
    }
    ticks++;
    root.setAttribute("data-ticks", String(ticks));
  }
  tick();
  setInterval(tick, 30000);
  document.addEventListener("sakimori:tick", tick);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      tick();
    }
  });

  var stream = root.getAttribute("data-stream");
  if (!stream || !window.EventSource) {
    return;
  }
  var banner = document.getElementById("home-live");
  var sections = root.querySelectorAll("[data-live]");
  var kinds = {};
  for (var i = 0; i < sections.length; i++) {
    var ks = (sections[i].getAttribute("data-live") || "").split(/\s+/);
    for (var j = 0; j < ks.length; j++) {
      if (ks[j]) {
        kinds[ks[j]] = true;
      }
    }
  }
  var updates = 0;
  function seen(m) {
    var kind = m.type;
    var hit = false;
    for (var i = 0; i < sections.length; i++) {
      var ks = " " + (sections[i].getAttribute("data-live") || "") + " ";
      if (ks.indexOf(" " + kind + " ") >= 0) {
        sections[i].classList.add("has-update");
        hit = true;
      }
    }
    if (!hit) {
      return;
    }
    updates++;
    root.setAttribute("data-updates", String(updates));
    if (banner) {
      banner.hidden = false;
    }
  }
  var es = new EventSource(stream);
  Object.keys(kinds).forEach(function (k) {
    es.addEventListener(k, seen);
  });
  window.addEventListener("pagehide", function () {
    es.close();
  });
})();
