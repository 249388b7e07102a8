// import.js: the import form uploads with a progress bar, then shows the
// server's answer in place; the progress bars of pending jobs follow
// GET /import/{id}/status until the job is done. Without this script the
// form posts normally and the page refreshes itself while a job is pending.
(function () {
  "use strict";

  // poll follows one pending job's <progress data-status>.
  function poll(bar) {
    var url = bar.getAttribute("data-status");
    bar.removeAttribute("data-status");
    var text = bar.parentNode.querySelector(".progress-text");
    var tick = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (j) {
          bar.max = Math.max(j.total, 1);
          bar.value = j.done;
          if (text) text.textContent = bar.closest("td") ? j.done + " / " + j.total : j.text;
          if (j.pending) {
            setTimeout(tick, 1000);
          } else if (bar.closest("#job-summary")) {
            window.location.replace(j.summary); // the final counts and rejections
          }
        })
        .catch(function () { setTimeout(tick, 5000); });
    };
    tick();
  }

  function watch(root) {
    var bars = root.querySelectorAll("progress[data-status]");
    for (var i = 0; i < bars.length; i++) poll(bars[i]);
  }

  function bind(root) {
    var form = root.querySelector("#import-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var box = form.querySelector("#import-progress");
      var bar = form.querySelector("#import-bar");
      var state = form.querySelector("#import-state");
      var button = form.querySelector("button[type=submit]");
      box.hidden = false;
      bar.value = 0;
      state.textContent = form.getAttribute("data-uploading");
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) {
          bar.max = 100;
          bar.value = Math.round(ev.loaded * 100 / ev.total);
          state.textContent = form.getAttribute("data-uploading") + " " + bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server imports
        state.textContent = form.getAttribute("data-processing");
      });
      xhr.addEventListener("load", function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.getElementById("main");
        if (!main) {
          state.textContent = form.getAttribute("data-failed");
          button.disabled = false;
          return;
        }
        var here = document.getElementById("main");
        here.innerHTML = main.innerHTML;
        document.title = doc.title;
        var job = here.querySelector("#job-summary");
        if (job && xhr.status < 300) {
          history.pushState(null, "", "/import?job=" + encodeURIComponent(job.getAttribute("data-job")));
        }
        bind(here);
        watch(here);
        var first = here.querySelector(".form-errors") || job;
        if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
      });
      xhr.addEventListener("error", function () {
        state.textContent = form.getAttribute("data-failed");
        button.disabled = false;
      });
      xhr.send(new FormData(form));
    });
  }

  bind(document);
  watch(document);
})();
