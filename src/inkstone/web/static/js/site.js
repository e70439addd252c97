// Site-wide behaviour that every page shares. The site works without it; it only adds comfort.
(function () {
  "use strict";

  // Tell the server the browser's time zone once, so dates show in local time on later pages
  // (a signed-in user's own setting still wins).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) {
    // very old browsers: dates stay in UTC
  }

  // Forms marked data-confirm ask before they submit (deleting an article, a comment ...).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
