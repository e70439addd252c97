// The article editor: tags typed as chips, and a live preview of the Markdown body.
// Everything here is comfort on top of a plain form: without JavaScript the tags are a
// comma-separated field and the "Preview" button renders the preview on the server.
// Uploading images and files into the body is editor-uploads.js.

const PREVIEW_DELAY_MS = 400;

/** Split a comma-separated value into trimmed, non-empty tags. */
function splitTags(value) {
  return value
    .split(",")
    .map((tag) => tag.trim().replace(/\s+/g, " "))
    .filter((tag) => tag.length > 0);
}

/** Turn the comma-separated tags field into chips: comma or Enter adds, Backspace or × removes. */
function setUpTags(input) {
  const maxTags = Number(input.dataset.maxTags) || 10;
  const maxLength = Number(input.dataset.maxLength) || 40;
  const removeLabel = input.dataset.removeLabel || "Remove tag {name}";
  let tags = [];

  const box = document.createElement("div");
  box.className = "tag-editor form-control";
  if (input.classList.contains("is-invalid")) {
    box.classList.add("is-invalid");
  }
  const chips = document.createElement("ul");
  chips.className = "tag-chips";
  const entry = document.createElement("input");
  entry.type = "text";
  entry.id = `${input.id}-entry`;
  entry.className = "tag-entry";
  entry.autocomplete = "off";
  entry.maxLength = maxLength;
  entry.enterKeyHint = "enter";
  for (const name of ["aria-describedby", "aria-invalid"]) {
    if (input.hasAttribute(name)) {
      entry.setAttribute(name, input.getAttribute(name));
    }
  }
  if (input.dataset.entryLabel) {
    entry.placeholder = input.dataset.entryLabel;
  }
  box.append(chips, entry);

  const label = document.querySelector(`label[for="${input.id}"]`);
  if (label) {
    label.htmlFor = entry.id;
  }
  input.type = "hidden"; // still submitted: it keeps the comma-separated value
  input.after(box);

  function sync() {
    input.value = tags.join(", ");
    chips.replaceChildren(
      ...tags.map((tag, index) => {
        const chip = document.createElement("li");
        chip.className = "tag-chip";
        const text = document.createElement("span");
        text.textContent = tag;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close";
        remove.setAttribute("aria-label", removeLabel.replace("{name}", tag));
        remove.addEventListener("click", () => {
          tags.splice(index, 1);
          sync();
          entry.focus();
        });
        chip.append(text, remove);
        return chip;
      }),
    );
  }

  function add(text) {
    for (const tag of splitTags(text)) {
      const key = tag.toLocaleLowerCase();
      if (tags.length < maxTags && !tags.some((t) => t.toLocaleLowerCase() === key)) {
        tags.push(tag.slice(0, maxLength));
      }
    }
    sync();
  }

  function commitEntry() {
    if (entry.value.trim()) {
      add(entry.value);
    }
    entry.value = "";
  }

  entry.addEventListener("keydown", (event) => {
    if (event.isComposing) {
      return; // an input method is still composing (Chinese, Japanese …)
    }
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      commitEntry();
    } else if (event.key === "Backspace" && entry.value === "" && tags.length > 0) {
      event.preventDefault();
      tags.pop();
      sync();
    }
  });
  entry.addEventListener("input", () => {
    // A pasted "a, b, c" (or a comma typed through an input method) adds the finished tags.
    const parts = entry.value.split(/[,，]/);
    if (parts.length > 1) {
      add(parts.slice(0, -1).join(","));
      entry.value = parts[parts.length - 1].trimStart();
    }
  });
  entry.addEventListener("blur", commitEntry);
  box.addEventListener("click", (event) => {
    if (event.target === box || event.target === chips) {
      entry.focus();
    }
  });
  input.form?.addEventListener("submit", commitEntry);

  add(input.value);
}

/** Show the rendered Markdown beside the editor as the author types. */
function setUpPreview(form) {
  const source = form.querySelector("[data-preview-source]");
  const pane = form.querySelector("[data-preview-pane]");
  const token = form.querySelector('input[name="csrf_token"]');
  const url = form.dataset.previewUrl;
  if (!source || !pane || !token || !url) {
    return;
  }
  let timer;
  let controller;
  let shown = null;

  function message(text) {
    const p = document.createElement("p");
    p.className = "text-body-secondary";
    p.textContent = text;
    pane.replaceChildren(p);
  }

  async function refresh() {
    clearTimeout(timer);
    const body = source.value;
    if (body === shown) {
      return;
    }
    controller?.abort();
    if (!body.trim()) {
      shown = body;
      message(pane.dataset.empty || "");
      return;
    }
    controller = new AbortController();
    const data = new FormData();
    data.append("body", body);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRFToken": token.value },
        body: data,
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (!response.ok) {
        throw new Error(`preview failed: ${response.status}`);
      }
      // Sanitised by the server with the same allowlist as published articles.
      pane.innerHTML = await response.text();
      shown = body;
    } catch (error) {
      if (error.name !== "AbortError") {
        shown = null;
        message(pane.dataset.failed || "");
      }
    }
  }

  source.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PREVIEW_DELAY_MS);
  });
  const button = form.querySelector("[data-preview-button]");
  button?.addEventListener("click", (event) => {
    event.preventDefault();
    shown = null;
    refresh();
    pane.focus({ preventScroll: false });
  });
  pane.tabIndex = -1;
  if (source.value.trim() && !pane.querySelector(":not(p.text-body-secondary)")) {
    refresh();
  } else {
    shown = source.value;
  }
}

const form = document.getElementById("article-editor");
if (form) {
  for (const input of form.querySelectorAll("[data-tag-input]")) {
    setUpTags(input);
  }
  setUpPreview(form);
}
