// Machi shell script: CSRF for htmx, and the passkey ceremonies (no inline scripts anywhere).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // The app icon's badge shows the unread notifications, where the Badging API exists.
  // The menu's badge is fetched again when a notice arrives (live.js): follow it then too.
  function updateAppBadge() {
    var badge = document.querySelector("[data-unread]");
    if (!badge || !("setAppBadge" in navigator)) { return; }
    var unread = parseInt(badge.dataset.unread, 10) || 0;
    (unread ? navigator.setAppBadge(unread) : navigator.clearAppBadge()).catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", updateAppBadge);
  document.addEventListener("live:refreshed", function (event) {
    if (event.detail && event.detail.id === "unread-badge") { updateAppBadge(); }
  });

  // A refusal the page cannot show in place (403, 500, no network): say so, visibly.
  function showRequestError() {
    var box = document.getElementById("request-error");
    if (box) { box.hidden = false; box.focus && box.focus(); }
  }
  document.addEventListener("htmx:responseError", showRequestError);
  document.addEventListener("htmx:sendError", showRequestError);

  // Move focus to the first error after htmx swaps a form back with messages.
  document.addEventListener("htmx:afterSwap", function (event) {
    var alert = event.detail.target.querySelector('[role="alert"]:not(:empty), [aria-invalid="true"]');
    if (alert) { alert.focus({ preventScroll: false }); }
  });

  function message(key) {
    var box = document.getElementById("passkey-messages");
    return (box && box.dataset[key]) || key;
  }

  async function postJSON(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    });
    var data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function showStatus(root, text) {
    var status = root.querySelector("[data-passkey-status]") || document.querySelector("[data-passkey-status]");
    if (status) { status.textContent = text; }
  }

  async function ceremony(root, kind, optionsUrl, finishUrl, body) {
    if (!window.PublicKeyCredential || !window.SimpleWebAuthnBrowser) {
      showStatus(root, message("unsupported"));
      return;
    }
    var announcer = document.getElementById("announcer");
    if (announcer) { announcer.textContent = message("working"); }
    showStatus(root, "");
    var first;
    try {
      first = await postJSON(optionsUrl, body);
    } catch (e) {
      showStatus(root, message("network"));
      return;
    }
    if (first.status === 422 && first.data.form_html) {
      root.outerHTML = first.data.form_html;
      var alert = document.querySelector('[data-testid="form-errors"]');
      if (alert) { alert.focus(); }
      return;
    }
    if (!first.ok) { showStatus(root, first.data.error || message("network")); return; }
    var credential;
    try {
      var optionsJSON = JSON.parse(first.data.options);
      credential = kind === "signin"
        ? await window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: optionsJSON })
        : await window.SimpleWebAuthnBrowser.startRegistration({ optionsJSON: optionsJSON });
    } catch (e) {
      showStatus(root, message("cancelled"));
      return;
    }
    var payload = { credential: credential };
    if (root.dataset && root.dataset.next) { payload.next = root.dataset.next; }
    var second;
    try {
      second = await postJSON(finishUrl, payload);
    } catch (e) {
      showStatus(root, message("network"));
      return;
    }
    if (second.ok && second.data.redirect) {
      window.location.assign(second.data.redirect);
    } else {
      showStatus(root, second.data.error || message("network"));
    }
  }

  // Signing out: the service worker forgets the pages it kept, so the next person sees none.
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("action");
    // (/id/lost: a resident reporting a lost phone is signed out everywhere too)
    if ((action === "/signout" || action === "/account/signout-everywhere" || action === "/id/lost") &&
        navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "machi:forget-pages" });
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.passkey !== "signup") { return; }
    event.preventDefault();
    var fields = Object.fromEntries(new FormData(form).entries());
    ceremony(form, "signup", form.getAttribute("action"), form.dataset.finishUrl, fields);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-passkey]");
    if (!button) { return; }
    event.preventDefault();
    var root = button.closest("section, form") || document.body;
    root.dataset.next = button.dataset.next || "";
    button.disabled = true;
    ceremony(root, button.dataset.passkey, button.dataset.optionsUrl, button.dataset.finishUrl, {})
      .finally(function () { button.disabled = false; });
  });
})();
