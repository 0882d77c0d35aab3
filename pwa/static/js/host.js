// The shell's side of the mini-app bridge. The frame is cross-origin and sandboxed; it reaches the
// shell only through one MessagePort handed over after a checked handshake.
(function () {
  "use strict";

  var frame = document.getElementById("miniapp-frame");
  if (!frame) { return; }
  var appId = frame.dataset.appId;
  var appOrigin = frame.dataset.appOrigin;
  var tokenUrl = frame.dataset.tokenUrl;
  var port = null;
  var portDocument = null; // the frame document the port was handed to (its hello's doc)

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function isString(value, max) { return typeof value === "string" && value.length <= max; }

  var methods = {
    getToken: async function () {
      var response = await fetch(tokenUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
      });
      var data = await response.json().catch(function () { return {}; });
      if (!response.ok) { throw { code: "denied", message: data.error || "denied" }; }
      return { token: data.token, expires_at: data.expires_at, scopes: data.scopes };
    },
    setTitle: async function (params) {
      if (!params || !isString(params.title, 80)) { throw { code: "bad_params", message: "title" }; }
      document.getElementById("miniapp-title").textContent = params.title;
      document.title = params.title + " | Machi";
      return {};
    },
    close: async function () { window.location.assign("/"); return {}; },
    requestScopes: async function (params) {
      if (!params || !Array.isArray(params.scopes)) { throw { code: "bad_params", message: "scopes" }; }
      var declared = (frame.dataset.scopes || "").split(" ").filter(Boolean);
      var undeclared = params.scopes.filter(function (s) { return declared.indexOf(s) < 0; });
      if (undeclared.length) {
        throw { code: "not_declared", message: "not in the approved manifest: " + undeclared.join(" ") };
      }
      var token = await methods.getToken();
      var granted = token.scopes || [];
      return { granted: params.scopes.filter(function (s) { return granted.indexOf(s) >= 0; }) };
    },
    share: async function (params) {
      if (!params || !(isString(params.text || "", 1000) && isString(params.url || "", 2000))) {
        throw { code: "bad_params", message: "text/url" };
      }
      if (navigator.share) {
        try { await navigator.share({ text: params.text, url: params.url }); return { shared: true }; }
        catch (e) { return { shared: false }; }
      }
      if (navigator.clipboard) {
        await navigator.clipboard.writeText([params.text, params.url].filter(Boolean).join(" "));
        return { shared: false, copied: true };
      }
      return { shared: false };
    },
    openExternal: async function (params) {
      var url;
      try { url = new URL(params && params.url); } catch (e) { throw { code: "bad_params", message: "url" }; }
      if (url.protocol !== "https:" && url.protocol !== "http:") { throw { code: "bad_params", message: "url" }; }
      window.open(url.href, "_blank", "noopener,noreferrer");
      return {};
    },
    // Read-aloud for the app (issue 7): the shell's reader (readaloud.js) speaks the text the app
    // hands over, in the language its page is written in, with its own bar to pause and stop.
    // Given `sentences` (cut by machi.js from the app's page), it reads them one by one and tells
    // the app which one it is reading: events {event: "reading", index, state} over the port, so
    // the app highlights that sentence in its own page; index -1 when the reading ends.
    readAloud: async function (params) {
      var sentences = params && Array.isArray(params.sentences) ? params.sentences : null;
      var text = params && isString(params.text, 5000) ? params.text.trim() : "";
      if (sentences) {
        var total = 0;
        var valid = sentences.length > 0 && sentences.length <= 500 && sentences.every(function (s) {
          total += typeof s === "string" ? s.length : 0;
          return isString(s, 1000) && s.trim().length > 0;
        });
        if (!valid || total > 5000) { throw { code: "bad_params", message: "sentences" }; }
      } else if (!text) { throw { code: "bad_params", message: "text" }; }
      var lang = params.lang;
      if (!(isString(lang, 35) && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang))) {
        lang = frame.dataset.locale || document.documentElement.lang || "ja";
      }
      if (!window.MachiReadAloud) { throw { code: "unsupported", message: "readAloud" }; }
      var asking = port;
      var progress = function (step) {
        if (asking && asking === port) {
          asking.postMessage({ event: "reading", index: step.index, state: step.state });
        }
      };
      if (sentences) {
        await window.MachiReadAloud.readSentences(sentences, lang, progress);
      } else {
        await window.MachiReadAloud.readText(text, lang, progress);
      }
      return {};
    },
    // The app's page changed under the reading (a new page): stop it.
    stopReading: async function () {
      if (window.MachiReadAloud) { window.MachiReadAloud.stop(); }
      return {};
    },
    // Furigana for the app's page, when the resident turned furigana on: the shell's analyser
    // (SudachiPy, cached) reads the app's Japanese texts; machi.js puts the ruby in the page.
    furigana: async function (params) {
      if (frame.dataset.furigana !== "1") { throw { code: "off", message: "furigana is off" }; }
      var texts = params && Array.isArray(params.texts) ? params.texts : null;
      if (!texts || !texts.length || texts.length > 300 ||
          !texts.every(function (t) { return isString(t, 2000); })) {
        throw { code: "bad_params", message: "texts" };
      }
      var response = await fetch("/display/furigana", {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ texts: texts })
      });
      if (!response.ok) { throw { code: "failed", message: "furigana " + response.status }; }
      var data = await response.json();
      return { ruby: data.ruby };
    },
    scanQR: async function () { return { text: await scanSheet() }; },
    // wallet (issue 5): the shell draws the confirmation sheet; the app only learns the outcome.
    pay: async function (params) {
      if (!params || !Number.isInteger(params.amount) || params.amount <= 0 ||
          !isString(params.description, 200) || !isString(params.reference, 100)) {
        throw { code: "bad_params", message: "amount/description/reference" };
      }
      var declared = (frame.dataset.scopes || "").split(" ").filter(Boolean);
      if (declared.indexOf("wallet.pay") < 0) { throw { code: "not_declared", message: "wallet.pay" }; }
      return paySheet(params);
    },
    supports: async function (params) {
      return { supported: !!(params && Object.prototype.hasOwnProperty.call(methods, params.method)) };
    }
  };

  // The shell's QR sheet: camera (MachiQR), a photo, or typing the code; resolves the text read.
  function scanSheet() {
    var sheet = document.getElementById("scan-sheet");
    if (!sheet || !window.MachiQR) { return Promise.reject({ code: "unsupported", message: "scanQR" }); }
    var status = sheet.querySelector("[data-scan-status]");
    var stopCamera = null;
    var done = false;
    return new Promise(function (resolve, reject) {
      function finish(text, error) {
        if (done) { return; }
        done = true;
        if (stopCamera) { stopCamera(); stopCamera = null; }
        sheet.close();
        sheet.onclose = null;
        if (error) { reject(error); } else { resolve(text); }
      }
      sheet.querySelector("[data-scan-cancel]").onclick = function () {
        finish(null, { code: "cancelled", message: "the resident closed the scanner" });
      };
      sheet.onclose = function () { finish(null, { code: "cancelled", message: "closed" }); };
      sheet.querySelector("[data-scan-manual]").onsubmit = function (event) {
        event.preventDefault();
        var text = sheet.querySelector("#scan-text").value.trim();
        if (text) { finish(text, null); }
      };
      sheet.querySelector("[data-scan-photo]").onchange = function (event) {
        var file = event.target.files && event.target.files[0];
        if (!file) { return; }
        window.MachiQR.fromFile(file).then(function (text) {
          if (text) { finish(text, null); } else { status.textContent = sheet.dataset.msgNotFound; }
        }).catch(function () { status.textContent = sheet.dataset.msgNotFound; });
      };
      status.textContent = "";
      sheet.querySelector("#scan-text").value = "";
      sheet.showModal();
      window.MachiQR.startCamera(sheet.querySelector("[data-scan-video]"), function (text) {
        finish(text, null);
        return true;
      }).then(function (stop) { if (done) { stop(); } else { stopCamera = stop; } })
        .catch(function () { status.textContent = sheet.dataset.msgNoCamera; });
    });
  }

  // The payment sheet: the shell's own page fragment in a dialog; the app id is the frame's.
  function paySheet(params) {
    var body = new URLSearchParams({ app_id: appId, amount: String(params.amount),
      description: params.description, reference: params.reference });
    var post = function (url, data) {
      return fetch(url, { method: "POST", credentials: "same-origin", body: data,
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" } }).then(function (r) { return r.text(); });
    };
    var dialog = document.createElement("dialog");
    dialog.className = "sheet";
    dialog.setAttribute("data-testid", "pay-sheet");
    document.body.appendChild(dialog);
    return new Promise(function (resolve, reject) {
      var settled = false;
      function finish(result, error) {
        if (settled) { return; }
        settled = true;
        if (dialog.open) { dialog.close(); }
        dialog.remove();
        if (error) { reject(error); } else { resolve(result); }
      }
      function show(html) {
        dialog.innerHTML = html;
        var card = dialog.querySelector("[data-status]");
        var status = card ? card.dataset.status : "error";
        if (status === "paid") {
          setTimeout(function () {
            finish({ status: "paid", id: card.dataset.request, amount: Number(card.dataset.amount) }, null);
          }, 1200);
        } else if (status === "cancelled") {
          finish(null, { code: "cancelled", message: "the resident did not pay" });
        } else if (status === "error") {
          var close = document.createElement("button");
          close.className = "button button--secondary";
          close.type = "button";
          close.textContent = "OK";
          close.onclick = function () { finish(null, { code: "refused", message: "the shell refused the payment" }); };
          dialog.appendChild(close);
        }
        dialog.querySelectorAll("form").forEach(function (form) {
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            post(form.getAttribute("action"), new URLSearchParams(new FormData(form))).then(show);
          });
        });
      }
      dialog.addEventListener("cancel", function () {
        finish(null, { code: "cancelled", message: "the resident closed the sheet" });
      });
      dialog.showModal();
      post("/wallet/requests", body).then(show).catch(function () {
        finish(null, { code: "failed", message: "the shell could not be reached" });
      });
    });
  }

  function reply(id, result, error) {
    if (!port) { return; }
    port.postMessage(error ? { id: id, error: error } : { id: id, result: result });
  }

  function onPortMessage(event) {
    var msg = event.data;
    if (!msg || typeof msg.id !== "number" || typeof msg.method !== "string") { return; }
    var handler = Object.prototype.hasOwnProperty.call(methods, msg.method) ? methods[msg.method] : null;
    if (!handler) {
      reply(msg.id, null, { code: "unsupported", message: msg.method + " is not available" });
      return;
    }
    Promise.resolve()
      .then(function () { return handler(msg.params || {}); })
      .then(function (result) { reply(msg.id, result, null); })
      .catch(function (err) {
        reply(msg.id, null, { code: (err && err.code) || "failed", message: (err && err.message) || "failed" });
      });
  }

  window.addEventListener("message", function (event) {
    // Only the framed app, from its own origin, may open the channel; anyone else is ignored.
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) { return; }
    var msg = event.data;
    if (!msg || msg.machi !== 1 || msg.type !== "hello" || msg.app !== appId) { return; }
    // A repeated hello from the same document: its welcome is already on the way, and closing
    // that port would leave the page waiting forever. A new document (the frame navigated) gets
    // a new channel and the old one is closed.
    var doc = typeof msg.doc === "string" && msg.doc.length <= 64 ? msg.doc : null;
    if (port && doc !== null && doc === portDocument) { return; }
    if (port) { port.close(); }
    var channel = new MessageChannel();
    port = channel.port1;
    portDocument = doc;
    port.onmessage = onPortMessage;
    frame.contentWindow.postMessage(
      { machi: 1, type: "welcome", locale: frame.dataset.locale, theme: frame.dataset.theme || "light",
        textSize: frame.dataset.textSize || "normal", furigana: frame.dataset.furigana === "1" },
      appOrigin, [channel.port2]
    );
  });

  // readAloud: the header's read-aloud button reads the app's page, not the frame around it.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-read-aloud]") : null;
    if (!button || !port) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    port.postMessage({ event: "readAloud" });
  }, true);

  document.addEventListener("visibilitychange", function () {
    if (port) { port.postMessage({ event: document.hidden ? "hidden" : "shown" }); }
  });
})();
