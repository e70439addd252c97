// Settings: upload a picture for the avatar. The picture goes to the site's upload route;
// its address (the 400 px thumbnail when there is one) fills the avatar address field, which
// the settings form then saves as usual. Without JavaScript the upload stays hidden.

/** Return ``template`` with each ``{key}`` replaced by ``values[key]``. */
function fill(template, values) {
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

/** Show ``url`` in the avatar beside the field (an image in place of the initial). */
function showAvatar(slot, url) {
  if (!slot) {
    return;
  }
  const img = document.createElement("img");
  img.src = url;
  img.alt = "";
  img.width = 48;
  img.height = 48;
  img.className = "avatar rounded-circle";
  img.referrerPolicy = "no-referrer";
  slot.replaceChildren(img);
}

function setUpAvatarUpload(box) {
  const form = box.closest("form");
  const field = form?.querySelector('input[name="image"]');
  const token = form?.querySelector('input[name="csrf_token"]');
  const input = box.querySelector("[data-avatar-input]");
  const status = box.querySelector("[data-avatar-status]");
  const url = box.dataset.uploadUrl;
  if (!field || !token || !input || !status || !url) {
    return;
  }

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("text-danger", isError);
    status.classList.toggle("text-body-secondary", !isError);
  }

  async function upload(file) {
    const name = file.name || "file";
    say(fill(box.dataset.uploading, { name }));
    input.disabled = true;
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
      return;
    } finally {
      input.disabled = false;
    }
    if (response.status === 201) {
      const { upload: sent } = await response.json();
      // The field takes absolute http(s) addresses only.
      const address = new URL(sent.thumbnails?.["400"] || sent.url, window.location.href).href;
      field.value = address;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      showAvatar(form.querySelector("[data-avatar-preview]"), address);
      say(box.dataset.done || "");
    } else if (response.status === 400 || response.status === 401) {
      say(box.dataset.expired || "", true);
    } else {
      say(fill(box.dataset.failed, { name, reason: await errorOf(response) }), true);
    }
  }

  box.hidden = false;
  input.addEventListener("change", () => {
    const [file] = input.files;
    input.value = "";
    if (file) {
      upload(file);
    }
  });
}

for (const box of document.querySelectorAll("[data-avatar-upload]")) {
  setUpAvatarUpload(box);
}
