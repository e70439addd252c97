// Sending one file to the site's upload route, for the editor (editor-uploads.js) and the
// avatar in settings (avatar.js): the status line says what happens, in the page's language
// (the messages come from the box's data-* attributes).

/** Return ``template`` with each ``{key}`` replaced by ``values[key]``. */
export function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (whole, key) => values[key] ?? whole);
}

/** Return the first error message of an ``{"errors": {field: [message]}}`` answer. */
async function errorOf(response) {
  try {
    const body = await response.json();
    for (const messages of Object.values(body.errors || {})) {
      if (messages.length) {
        return messages[0];
      }
    }
  } catch {
    // not JSON: a proxy's error page
  }
  return `${response.status} ${response.statusText}`.trim();
}

/** Return a function that shows ``text`` in ``status`` (in red when ``isError``). */
export function statusLine(status) {
  return (text, isError = false) => {
    status.textContent = text;
    status.classList.toggle("text-danger", isError);
    status.classList.toggle("text-body-secondary", !isError);
  };
}

/**
 * Post ``file`` to ``url`` with the form's CSRF ``token``; return the stored upload's JSON,
 * or ``null`` once ``say`` has told why not (offline, expired page, refused file). ``box``
 * holds the messages: data-uploading, data-offline, data-expired, data-failed.
 */
export async function sendFile({ url, token, file, box, say }) {
  const name = file.name || "file";
  say(fill(box.dataset.uploading, { name }));
  const data = new FormData();
  data.append("file", file, name);
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": token.value, Accept: "application/json" },
      body: data,
      credentials: "same-origin",
    });
  } catch {
    say(fill(box.dataset.offline, { name }), true);
    return null;
  }
  if (response.status === 201) {
    return (await response.json()).upload;
  }
  if (response.status === 400 || response.status === 401) {
    say(box.dataset.expired || "", true); // the CSRF token or the sign-in ran out
  } else {
    say(fill(box.dataset.failed, { name, reason: await errorOf(response) }), true);
  }
  return null;
}
