// The navbar bell: its unread badge (and the tab's title) kept up to date by one Server-Sent
// Events stream per tab, or by polling the count every 30 seconds where EventSource is missing
// or the server has no stream to spare. A tab hidden for long stops asking until it is seen
// again. Without JavaScript the bell shows the count the page was rendered with.
(function () {
  "use strict";

  var POLL_MS = 30000;
  var HIDDEN_PAUSE_MS = 60000; // hidden longer than this: stop listening
  var RETRY_STREAM_MS = 30000; // refused: poll, and ask for a stream again later ...
  var MAX_RETRY_STREAM_MS = 300000; // ... less and less often
  var MAX_STREAM_ERRORS = 3;

  var bell = document.getElementById("notification-bell");
  if (!bell) {
    return;
  }
  var badge = bell.querySelector("[data-unread-badge]");
  var baseTitle = document.title;
  var source = null;
  var pollTimer = null;
  var retryTimer = null;
  var pauseTimer = null;
  var retryDelay = RETRY_STREAM_MS;
  var stopped = false; // signed out: nothing more to ask

  /** Show ``count`` on the badge, in the bell's label and in the tab's title. */
  function show(count) {
    count = Math.max(0, Number(count) || 0);
    var text = count > 99 ? "99+" : String(count);
    badge.textContent = text;
    badge.classList.toggle("d-none", count === 0);
    bell.setAttribute(
      "aria-label",
      count === 0 ? bell.dataset.labelNone : bell.dataset.labelUnread.replace("{count}", text)
    );
    document.title = count === 0 ? baseTitle : "(" + text + ") " + baseTitle;
  }

  function stopPolling() {
    window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  /** Read the count now, then every POLL_MS while no stream is open. */
  function poll() {
    stopPolling();
    if (stopped) {
      return;
    }
    fetch(bell.dataset.unreadUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401) {
          stop(); // signed out in another tab
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body) {
          show(body.unreadCount);
        }
      })
      .catch(function () {
        // offline for a moment: the next tick tries again
      });
    if (!source) {
      pollTimer = window.setTimeout(poll, POLL_MS);
    }
  }

  function closeStream() {
    if (source) {
      source.close();
      source = null;
    }
  }

  /** Listen to the count's stream; poll when it cannot be had, and ask again later. */
  function listen() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped || source) {
      return;
    }
    if (!("EventSource" in window) || pageHasItsOwnStream()) {
      poll();
      return;
    }
    var errors = 0;
    var stream = new EventSource(bell.dataset.eventsUrl);
    source = stream;
    stream.addEventListener("unread", function (event) {
      errors = 0;
      retryDelay = RETRY_STREAM_MS;
      stopPolling();
      show(JSON.parse(event.data).unreadCount);
    });
    stream.addEventListener("error", function () {
      // The server ends each stream after a while and the browser reconnects by itself; a
      // refusal (every slot taken: 503) closes it for good: poll until a retry succeeds.
      errors += 1;
      if (stream.readyState === EventSource.CLOSED || errors >= MAX_STREAM_ERRORS) {
        stream.close();
        if (source === stream) {
          source = null;
          poll();
          retryTimer = window.setTimeout(listen, retryDelay);
          retryDelay = Math.min(retryDelay * 2, MAX_RETRY_STREAM_MS);
        }
      }
    });
  }

  /**
   * A page with a live stream of its own (a job's progress) leaves the server's few stream
   * slots (shared by both kinds) to it: the bell polls there.
   */
  function pageHasItsOwnStream() {
    return Array.prototype.some.call(document.querySelectorAll("[data-events-url]"), function (el) {
      return el !== bell;
    });
  }

  function pause() {
    closeStream();
    stopPolling();
    window.clearTimeout(retryTimer);
    retryTimer = null;
  }

  function stop() {
    stopped = true;
    pause();
  }

  document.addEventListener("visibilitychange", function () {
    window.clearTimeout(pauseTimer);
    if (document.visibilityState === "hidden") {
      pauseTimer = window.setTimeout(pause, HIDDEN_PAUSE_MS);
    } else if (!stopped && !source && !pollTimer) {
      // Seen again after a pause: catch up at once, then listen again.
      poll();
      listen();
    }
  });
  // Leaving the page: free the server's stream now rather than when it notices.
  window.addEventListener("pagehide", pause);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !stopped) {
      listen(); // back from the back/forward cache
    }
  });

  show(bell.dataset.unreadCount);
  listen();
})();
