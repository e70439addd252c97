// Passkeys (WebAuthn): add one in settings, sign in with one, or use one as the second factor.
// The server sends py_webauthn's options as JSON (binary fields in base64url); the browser's
// answer goes back as JSON the same way. Browsers without WebAuthn never see the buttons.
// Messages come translated from data attributes; nothing here is inline (strict CSP).
(function () {
  "use strict";

  if (window.inkstonePasskeys) {
    return; // included by more than one part of a page
  }
  window.inkstonePasskeys = true;

  function toBytes(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    let text = "";
    new Uint8Array(buffer).forEach((b) => {
      text += String.fromCharCode(b);
    });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map((item) => Object.assign({}, item, { id: toBytes(item.id) }));
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: withIds(json.allowCredentials),
    });
  }

  /** The credential as JSON (the browser's own toJSON where it has one). */
  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      return credential.toJSON();
    }
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  async function post(url, csrf, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_error) {
      data = null; // a page (a CSRF or rate-limit refusal): the generic message
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  /** The first message of a JSON error answer, if the server gave one. */
  function serverMessage(data) {
    const errors = data && data.errors;
    if (!errors) {
      return "";
    }
    const first = Object.values(errors)[0];
    return Array.isArray(first) ? first[0] : "";
  }

  /** Run one ceremony from a box: options → browser → answer → follow the redirect. */
  function setUp(box, ceremony) {
    const start = box.querySelector("[data-passkey-start]");
    const alert = box.querySelector("[data-passkey-error]");
    const status = box.querySelector("[data-passkey-status]");
    const d = box.dataset;

    function fail(message) {
      alert.textContent = message || d.msgFailed;
      alert.hidden = false;
      if (status) {
        status.textContent = "";
      }
      start.disabled = false;
    }

    start.addEventListener("click", async () => {
      start.disabled = true;
      alert.hidden = true;
      if (status && d.msgWorking) {
        status.textContent = d.msgWorking;
      }
      try {
        const options = await post(d.optionsUrl, d.csrf);
        if (!options.ok || !options.data) {
          fail(serverMessage(options.data));
          return;
        }
        let credential;
        try {
          credential = await ceremony(options.data);
        } catch (error) {
          if (error && error.name === "InvalidStateError" && d.msgExists) {
            fail(d.msgExists); // excludeCredentials matched: this device has one already
          } else {
            fail(error && error.name === "NotAllowedError" ? d.msgCancelled : d.msgFailed);
          }
          return;
        }
        const body = { credential: credentialJSON(credential) };
        const name = box.querySelector('input[name="name"]');
        if (name) {
          body.name = name.value;
        }
        const trust = d.trustField && document.querySelector(`input[name="${d.trustField}"]`);
        if (trust) {
          body.trust = trust.checked;
        }
        const answer = await post(d.verifyUrl, d.csrf, body);
        if (answer.ok && answer.data && answer.data.redirect) {
          window.location.assign(answer.data.redirect);
          return;
        }
        fail(serverMessage(answer.data));
      } catch (_error) {
        fail(d.msgFailed); // the network
      }
    });
    box.hidden = false;
  }

  function init() {
    const supported =
      window.PublicKeyCredential && navigator.credentials && window.isSecureContext;
    if (!supported) {
      document.querySelectorAll("[data-passkey-unsupported]").forEach((note) => {
        note.hidden = false;
      });
      return;
    }
    document.querySelectorAll("[data-passkey-register]").forEach((box) => {
      setUp(box, (json) => navigator.credentials.create({ publicKey: creationOptions(json) }));
    });
    document.querySelectorAll("[data-passkey-signin]").forEach((box) => {
      setUp(box, (json) => navigator.credentials.get({ publicKey: requestOptions(json) }));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
