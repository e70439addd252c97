// Settings: upload a picture for the avatar. The picture goes to the site's upload route;
// its address (the 400 px thumbnail when there is one) fills the avatar address field, which
// the settings form then saves as usual. Without JavaScript the upload stays hidden.

import { sendFile, statusLine } from "./file-upload.js";

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

  const say = statusLine(status);

  async function upload(file) {
    input.disabled = true;
    let sent;
    try {
      sent = await sendFile({ url, token, file, box, say });
    } finally {
      input.disabled = false;
    }
    if (sent) {
      // The field takes absolute http(s) addresses only.
      const address = new URL(sent.thumbnails?.["400"] || sent.url, window.location.href).href;
      field.value = address;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      showAvatar(form.querySelector("[data-avatar-preview]"), address);
      say(box.dataset.done || "");
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
