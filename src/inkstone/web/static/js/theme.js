// Follow the system's light/dark preference (Bootstrap 5.3 colour modes). Loaded in <head>
// before the stylesheets so a dark-mode reader never sees a white flash.
(function () {
  "use strict";
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  apply();
  if (query.addEventListener) {
    query.addEventListener("change", apply);
  }
})();
