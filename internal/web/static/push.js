// sakimori live events: the dashboard's only script (docs/push.md). It
// opens an EventSource on the table's data-stream URL, resuming after the
// last event the page was rendered with, and puts each new event at the
// top of the table. The browser reconnects by itself with Last-Event-ID,
// so nothing is lost or shown twice. Other pages (#8) can reuse it: any
// element with data-stream and a tbody#live-body gets live rows.
(function () {
  "use strict";
  var table = document.querySelector("table[data-stream]");
  if (!table || !window.EventSource) {
    return;
  }
  var body = document.getElementById("live-body");
  var status = document.getElementById("live-status");
  var labels = {};
  try {
    labels = JSON.parse(document.getElementById("live-labels").textContent);
  } catch (e) {
    labels = {};
  }
  var lang = table.getAttribute("data-lang") || "ja";
  // Resume after the newest event shown; with none shown, start live.
  var url = table.getAttribute("data-stream");
  var last = table.getAttribute("data-last");
  if (last) {
    url += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(last);
  }
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", {
      year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Asia/Tokyo"
    });
  } catch (e) {
    fmt = null;
  }
  function say(key) {
    if (status) {
      status.textContent = status.getAttribute("data-" + key) || "";
    }
  }
  function cell(text, title) {
    var td = document.createElement("td");
    td.textContent = text;
    if (title) {
      td.title = title;
    }
    return td;
  }
  function add(ev) {
    var id = String(ev.id);
    for (var i = 0; i < body.rows.length; i++) {
      if (body.rows[i].getAttribute("data-id") === id) {
        return;
      }
    }
    var tr = document.createElement("tr");
    tr.setAttribute("data-id", id);
    tr.className = "new";
    var at = new Date(ev.at);
    tr.appendChild(cell(fmt && !isNaN(at) ? fmt.format(at) : String(ev.at)));
    tr.appendChild(cell(labels[ev.kind] || ev.kind, ev.kind));
    var subj = document.createElement("td");
    var code = document.createElement("code");
    code.textContent = ev.subject;
    subj.appendChild(code);
    tr.appendChild(subj);
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > 200) {
      body.deleteRow(body.rows.length - 1);
    }
    var empty = document.getElementById("live-empty");
    if (empty) {
      empty.remove();
    }
    document.dispatchEvent(new CustomEvent("sakimori:event", { detail: ev }));
  }
  var es = new EventSource(url);
  es.onopen = function () { say("live"); };
  es.onerror = function () { say("reconnecting"); };
  es.onmessage = function (m) { handle(m); };
  function handle(m) {
    var ev;
    try {
      ev = JSON.parse(m.data);
    } catch (e) {
      return;
    }
    add(ev);
  }
  Object.keys(labels).forEach(function (kind) {
    es.addEventListener(kind, handle);
  });
})();
