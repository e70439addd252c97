// The job page: a progress bar kept up to date by Server-Sent Events, or by polling the
// job's JSON every two seconds where EventSource is missing or keeps failing. Without
// JavaScript the page still shows the state it was rendered with.

const POLL_MS = 2000;
const MAX_STREAM_ERRORS = 3;
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/** Show ``job`` (the API's shape) on the page. */
function show(root, job) {
  const percent = Math.max(0, Math.min(100, Number(job.progress) || 0));
  const finished = FINISHED.has(job.status);
  const badge = root.querySelector("[data-job-status]");
  if (badge) {
    badge.textContent = root.dataset[`label${capitalise(job.status)}`] || job.status;
    badge.className = `badge text-bg-${root.dataset[`colour${capitalise(job.status)}`] || "secondary"}`;
  }
  setText(root, "[data-job-message]", job.message || "");
  setText(root, "[data-job-percent]", String(percent));
  const bar = root.querySelector("[data-job-bar]");
  if (bar) {
    bar.setAttribute("aria-valuenow", String(percent));
    const fill = bar.querySelector(".progress-bar");
    fill.style.width = `${percent}%`;
    fill.classList.toggle("progress-bar-striped", !finished);
    fill.classList.toggle("progress-bar-animated", !finished);
  }
  const error = root.querySelector("[data-job-error]");
  if (error) {
    error.textContent = job.error || "";
    error.classList.toggle("d-none", job.status !== "failed");
  }
  const result = root.querySelector("[data-job-result]");
  if (result) {
    setText(root, "[data-job-filename]", job.result ? job.result.filename : "");
    result.classList.toggle("d-none", !(job.status === "succeeded" && job.result));
  }
  root.querySelector("[data-job-cancel]")?.classList.toggle("d-none", finished);
  if (finished) {
    root.querySelector("[data-no-worker]")?.remove();
    if (root.dataset.finished !== "true") {
      // The outcome (download, import report) is rendered by the server, in the page's
      // language: show it. The page then says it is finished, so this happens once.
      root.dataset.finished = "true";
      window.location.reload();
    }
  }
  return finished;
}

function capitalise(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function setText(root, selector, text) {
  const element = root.querySelector(selector);
  if (element) {
    element.textContent = text;
  }
}

/** Fetch the job's JSON every two seconds until it has finished. */
function poll(root) {
  const tick = async () => {
    try {
      const response = await fetch(root.dataset.jsonUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok && show(root, (await response.json()).job)) {
        return;
      }
      if (response.status === 404 || response.status === 401) {
        return; // gone, or signed out: nothing more to watch
      }
    } catch {
      // offline for a moment: try again at the next tick
    }
    window.setTimeout(tick, POLL_MS);
  };
  tick();
}

/** Listen to the job's events; fall back to polling if the stream keeps failing. */
function watch(root) {
  if (!("EventSource" in window)) {
    poll(root);
    return;
  }
  const source = new EventSource(root.dataset.eventsUrl);
  let errors = 0;
  const onJob = (event) => {
    errors = 0;
    return show(root, JSON.parse(event.data).job);
  };
  source.addEventListener("progress", onJob);
  source.addEventListener("end", (event) => {
    source.close();
    onJob(event);
  });
  source.addEventListener("error", () => {
    // The server closes the stream after a while and the browser reconnects by itself;
    // a stream that cannot be had at all is replaced by polling.
    errors += 1;
    if (source.readyState === EventSource.CLOSED || errors >= MAX_STREAM_ERRORS) {
      source.close();
      poll(root);
    }
  });
}

const root = document.getElementById("job");
if (root) {
  const fill = root.querySelector("[data-job-bar] .progress-bar");
  if (fill) {
    fill.style.width = `${Number(fill.dataset.progress) || 0}%`;
  }
  if (root.dataset.finished !== "true") {
    watch(root);
  }
}
