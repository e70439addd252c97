// The article editor's uploads: images and files sent with the "Insert image or file" button
// or dropped onto the body go to the site's upload route; their Markdown (an image, or a link
// for an attachment) is inserted at the cursor, and the live preview (editor.js) follows.
// Without JavaScript the button stays hidden: the rest of the editor works without it.

/** Return ``template`` with each ``{key}`` replaced by ``values[key]``. */
function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (whole, key) => values[key] ?? whole);
}

/** Return ``text`` safe inside Markdown's link text (brackets, backslashes, line breaks). */
function linkText(text) {
  return text.replace(/[\r\n]+/g, " ").replace(/[\\[\]]/g, "\\$&");
}

/** Return the Markdown that shows (an image) or links to (an attachment) ``upload``. */
function uploadMarkdown(upload) {
  const name = upload.filename || "file";
  if (upload.width !== null && upload.width !== undefined) {
    const alt = name.replace(/\.[^.]+$/, "");
    return `![${linkText(alt)}](${upload.url})`;
  }
  return `[${linkText(name)}](${upload.url})`;
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

/** Upload files from the button or dropped on the body, and insert their Markdown at the cursor. */
function setUpUploads(form) {
  const box = form.querySelector("[data-upload]");
  const source = form.querySelector("[data-preview-source]");
  const token = form.querySelector('input[name="csrf_token"]');
  const url = form.dataset.uploadUrl;
  if (!box || !source || !token || !url) {
    return;
  }
  const button = box.querySelector("[data-upload-button]");
  const input = box.querySelector("[data-upload-input]");
  const status = box.querySelector("[data-upload-status]");
  let queue = Promise.resolve();

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("text-danger", isError);
    status.classList.toggle("text-body-secondary", !isError);
  }

  function insert(text) {
    const start = source.selectionStart ?? source.value.length;
    const end = source.selectionEnd ?? start;
    const before = source.value.slice(0, start);
    const gap = before && !/\s$/.test(before) ? " " : "";
    source.setRangeText(gap + text, start, end, "end");
    source.dispatchEvent(new Event("input", { bubbles: true })); // refreshes the preview
  }

  async function upload(file) {
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
      return;
    }
    if (response.status === 201) {
      const { upload: sent } = await response.json();
      insert(uploadMarkdown(sent));
      say(fill(box.dataset.done, { name }));
    } else if (response.status === 400 || response.status === 401) {
      say(box.dataset.expired || "", true);
    } else {
      say(fill(box.dataset.failed, { name, reason: await errorOf(response) }), true);
    }
  }

  function send(files) {
    for (const file of files) {
      queue = queue.then(() => upload(file)); // one at a time, inserted in order
    }
    return queue;
  }

  box.hidden = false;
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = ""; // choosing the same file again still fires "change"
    send(files);
  });

  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  source.addEventListener("dragover", (event) => {
    if (carriesFiles(event)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      source.classList.add("border-primary");
    }
  });
  source.addEventListener("dragleave", () => source.classList.remove("border-primary"));
  source.addEventListener("drop", (event) => {
    source.classList.remove("border-primary");
    if (carriesFiles(event) && event.dataTransfer.files.length) {
      event.preventDefault();
      source.focus();
      send([...event.dataTransfer.files]);
    }
  });
}

const form = document.getElementById("article-editor");
if (form) {
  setUpUploads(form);
}
