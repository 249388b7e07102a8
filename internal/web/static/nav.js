// nav.js: on a narrow screen the navigation folds behind a menu button
// (app.css shows the button and hides the list below 900 px). Without
// this script the whole navigation is shown, above the page.
(function () {
  "use strict";
  var nav = document.getElementById("main-nav");
  if (!nav) return;
  var list = nav.querySelector("ul.groups");
  var btn = document.createElement("button");
  btn.type = "button";
  btn.className = "menu-toggle";
  btn.setAttribute("aria-controls", "main-nav-list");
  btn.setAttribute("aria-expanded", "false");
  btn.textContent = nav.dataset.open;
  list.id = "main-nav-list";
  nav.insertBefore(btn, list);
  nav.classList.add("foldable");
  btn.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    btn.textContent = open ? nav.dataset.close : nav.dataset.open;
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && nav.classList.contains("open")) {
      nav.classList.remove("open");
      btn.setAttribute("aria-expanded", "false");
      btn.textContent = nav.dataset.open;
      btn.focus();
    }
  });
})();
