// The article editor's uploads: images and files sent with the "Insert image or file" button
// or dropped onto the body go to the site's upload route; their Markdown (an image, or a link
// for an attachment) is inserted at the cursor, and the live preview (editor.js) follows.
// Without JavaScript the button stays hidden: the rest of the editor works without it.

import { fill, sendFile, statusLine } from "./file-upload.js";

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

  const say = statusLine(status);

  function insert(text) {
    const start = source.selectionStart ?? source.value.length;
    const end = source.selectionEnd ?? start;
    const before = source.value.slice(0, start);
    const gap = before && !/\s$/.test(before) ? " " : "";
    source.setRangeText(gap + text, start, end, "end");
    source.dispatchEvent(new Event("input", { bubbles: true })); // refreshes the preview
  }

  async function upload(file) {
    const sent = await sendFile({ url, token, file, box, say });
    if (sent) {
      insert(uploadMarkdown(sent));
      say(fill(box.dataset.done, { name: file.name || "file" }));
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
