/*
 * machi.js: the Machi bridge, running inside a mini-app's iframe.
 *
 * 1. Handshake: posts {machi: 1, type: "hello", app, doc} to window.parent, addressed to the
 *    shell's origin (<meta name="machi-shell">), and again (0.5 s, 1.5 s, … 45 s) until answered;
 *    doc names this document, so the shell answers each document once. The shell answers {machi: 1,
 *    type: "welcome", locale, theme} with a MessagePort; it is accepted only from window.parent at
 *    the shell's origin.
 * 2. Everything else goes over that port: requests {id, method, params}, answers {id, result} or
 *    {id, error: {code, message}}, and events from the shell {event: "shown" | "hidden" | "back" |
 *    "locale" | "theme" | "readAloud" | "reading", ...}.
 * 3. The launch token from getToken is added as "Authorization: Bearer ..." to every same-origin
 *    htmx request, refreshed a minute before it expires, and "machi:ready" is dispatched on
 *    <body> when the first one arrives (the boot page's cue to load the real content). A failed
 *    first token request, or a failed first page, is tried again a few times; then the boot page
 *    says it could not load and offers [data-machi-reload].
 *
 * 4. Read-aloud: the layout's button (or the shell's, which sends "readAloud") cuts the page's main
 *    content into sentences, wraps each in <span class="machi-sentence"> and hands them to the shell
 *    (readAloud {sentences, lang}); the shell speaks them and sends {event: "reading", index,
 *    state}; the sentence being read gets the class "machi-sentence--reading" (the shell's CSS
 *    marks it), and when the reading ends (index -1) the spans are taken out again.
 * 5. Furigana: when the resident turned it on (welcome {furigana: true}), the page's Japanese texts
 *    go to the shell (furigana {texts}), whose analyser answers their readings; they become
 *    <ruby>漢字<rt>かんじ</rt></ruby> here (built as elements, never as HTML), after every swap too.
 * 6. Offline (apps with machi_sdk.offline): an element [data-machi-keep-offline="/offline/..."]
 *    on the page (after every swap too) registers the app's /sw.js and has it keep that public page
 *    for use without network; machi.keepOffline(url) does the same from a script.
 * 7. What every app's pages need, declared in the markup (no app script):
 *    - Paying: a button [data-machi-pay data-amount data-description data-reference] opens the
 *      shell's sheet (pay) and is disabled while it is open; once the shell says paid, the closest
 *      [data-machi-pay-form] is submitted, so that the app's server asks the shell, server to
 *      server (the page is never believed). Cancelled or refused: nothing happens.
 *    - Downloads behind the token: a[data-machi-download="file name"] (or a GET
 *      form[data-machi-download]) is fetched with the token and saved under that name (empty: the
 *      name from the answer's Content-Disposition). data-machi-status="<id>" names a live region
 *      (role="status") whose data-done / data-failed text is put in it afterwards.
 *    - img[data-machi-src="/files/..."] is loaded with the token (" ×" is added to its alt when
 *      it cannot be).
 *    - Scanning: a button [data-machi-scan="<input name>"] opens the shell's scanner (scanQR), is
 *      disabled meanwhile, puts the text read into that field of its form and submits the form.
 *    Only the app's own origin gets the token.
 *
 * window.machi = {call(method, params), getToken(), on(event, fn), supports(method),
 * keepOffline(url), locale, theme, ready}. No inline script, no eval: this file is loaded from
 * the shell by the SDK's base layout.
 */
(function () {
  "use strict";

  if (window.machi) return; // loaded twice (e.g. a boosted page): keep the first bridge

  var domLoaded = false;
  document.addEventListener("DOMContentLoaded", function () { domLoaded = true; }, { once: true });

  var SCOPES = ["profile.name", "profile.district", "profile.age_band", "resident.verified",
    "notify", "wallet.pay", "location", "storage"];
  var EVENTS = ["shown", "hidden", "back", "locale", "theme", "readAloud", "reading"];
  var REFRESH_BEFORE = 60; // seconds before expiry to fetch a new token
  // ms after the first hello: the shell may not be listening yet (a slow phone, a busy page)
  var HELLO_RETRIES = [500, 1500, 3500, 7000, 12000, 20000, 30000, 45000];
  // ms before asking again for the first token, or loading the first page again, after a failure
  // (the shell or the app busy, the network gone for a moment)
  var FIRST_TOKEN_RETRIES = [1000, 2000, 4000, 8000, 15000];
  var BOOT_RETRIES = [1000, 3000, 8000];

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? (el.getAttribute("content") || "") : "";
  }

  function originOf(url) {
    try { return new URL(url).origin; } catch (e) { return ""; }
  }

  var shellOrigin = originOf(meta("machi-shell"));
  var appId = meta("machi-app");

  // ---- parameter schemas: each returns a problem (string) or null --------------------------

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value) &&
      Object.getPrototypeOf(value) === Object.prototype;
  }
  function unknownKeys(params, allowed) {
    var keys = Object.keys(params);
    for (var i = 0; i < keys.length; i++) {
      if (allowed.indexOf(keys[i]) < 0) return "unknown parameter: " + keys[i];
    }
    return null;
  }
  function isText(value, min, max) {
    return typeof value === "string" && value.length >= min && value.length <= max;
  }
  function isWebUrl(value) {
    if (typeof value !== "string" || value.length > 2000) return false;
    try {
      var protocol = new URL(value).protocol;
      return protocol === "https:" || protocol === "http:";
    } catch (e) { return false; }
  }
  function none(params) { return unknownKeys(params, []); }
  function isSentences(value) {
    var total = 0;
    return Array.isArray(value) && value.length > 0 && value.length <= 500 &&
      value.every(function (s) { total += String(s).length; return isText(s, 1, 1000) && !!s.trim(); }) &&
      total <= 5000;
  }

  var METHODS = {
    getToken: none,
    requestScopes: function (p) {
      return unknownKeys(p, ["scopes"]) ||
        (Array.isArray(p.scopes) && p.scopes.length > 0 &&
          p.scopes.every(function (s) { return SCOPES.indexOf(s) >= 0; })
          ? null : "scopes must be a non-empty list of: " + SCOPES.join(", "));
    },
    pay: function (p) {
      return unknownKeys(p, ["amount", "description", "reference"]) ||
        (Number.isInteger(p.amount) && p.amount > 0 && p.amount <= 10000000
          ? null : "amount must be a whole number of yen, 1 to 10,000,000") ||
        (isText(p.description, 1, 200) ? null : "description must be 1 to 200 characters") ||
        (isText(p.reference, 1, 100) ? null : "reference must be 1 to 100 characters");
    },
    scanQR: none,
    share: function (p) {
      return unknownKeys(p, ["text", "url"]) ||
        (p.text === undefined && p.url === undefined ? "share needs text or url" : null) ||
        (p.text === undefined || isText(p.text, 1, 1000) ? null : "text must be 1 to 1000 characters") ||
        (p.url === undefined || isWebUrl(p.url) ? null : "url must be an http(s) URL");
    },
    openExternal: function (p) {
      return unknownKeys(p, ["url"]) || (isWebUrl(p.url) ? null : "url must be an http(s) URL");
    },
    close: none,
    setTitle: function (p) {
      return unknownKeys(p, ["title"]) || (isText(p.title, 1, 100) ? null : "title must be 1 to 100 characters");
    },
    readAloud: function (p) {
      return unknownKeys(p, ["text", "lang", "sentences"]) ||
        (p.text === undefined || isText(p.text, 1, 5000) ? null : "text must be 1 to 5000 characters") ||
        (p.sentences === undefined || isSentences(p.sentences) ? null
          : "sentences must be 1 to 500 texts of 1 to 1000 characters, 5000 in all") ||
        (p.lang === undefined || isLangTag(p.lang) ? null : "lang must be a language tag");
    },
    stopReading: none,
    furigana: function (p) {
      return unknownKeys(p, ["texts"]) ||
        (Array.isArray(p.texts) && p.texts.length > 0 && p.texts.length <= 300 &&
          p.texts.every(function (t) { return isText(t, 1, 2000); })
          ? null : "texts must be 1 to 300 texts of 1 to 2000 characters");
    },
    supports: function (p) {
      return unknownKeys(p, ["method"]) || (isText(p.method, 1, 50) ? null : "method must be a name");
    }
  };

  function machiError(code, message) {
    var error = new Error(message || code);
    error.name = "MachiError";
    error.code = code;
    return error;
  }

  // ---- the port -----------------------------------------------------------------------------

  var port = null;
  var nextId = 1;
  var pending = new Map();
  var handlers = {};
  var state = { locale: document.documentElement.lang || "ja", theme: "light", furigana: false };
  var portReady;
  var resolvePortReady;
  portReady = new Promise(function (resolve) { resolvePortReady = resolve; });

  function call(method, params) {
    if (params === undefined) params = {};
    if (!Object.prototype.hasOwnProperty.call(METHODS, method)) {
      return Promise.reject(machiError("unknown_method", "no such method: " + method));
    }
    if (!isPlainObject(params)) {
      return Promise.reject(machiError("invalid_params", "params must be an object"));
    }
    var problem = METHODS[method](params);
    if (problem) return Promise.reject(machiError("invalid_params", problem));
    var message = { id: 0, method: method, params: JSON.parse(JSON.stringify(params)) };
    return portReady.then(function () {
      return new Promise(function (resolve, reject) {
        message.id = nextId++;
        pending.set(message.id, { resolve: resolve, reject: reject });
        port.postMessage(message);
      });
    });
  }

  function onPortMessage(event) {
    var data = event.data;
    if (!isPlainObject(data)) return;
    if (typeof data.id === "number" && pending.has(data.id)) {
      var waiter = pending.get(data.id);
      pending.delete(data.id);
      if (isPlainObject(data.error)) {
        waiter.reject(machiError(String(data.error.code || "error"), String(data.error.message || "")));
      } else {
        waiter.resolve(data.result);
      }
      return;
    }
    if (typeof data.event === "string" && EVENTS.indexOf(data.event) >= 0) emit(data.event, data);
  }

  function emit(name, data) {
    if (name === "locale") setLocale(data.locale);
    if (name === "theme") setTheme(data.theme);
    if (name === "readAloud") readMain(); // the shell's own read-aloud button was pressed
    if (name === "reading") showReading(data.index);
    if (name === "shown" && expiresAt - now() < REFRESH_BEFORE) refreshToken().catch(warn);
    (handlers[name] || []).slice().forEach(function (fn) {
      try { fn(data); } catch (e) { warn(e); }
    });
    whenDomReady(function () {
      document.body.dispatchEvent(new CustomEvent("machi:" + name, { detail: data }));
    });
  }

  // The resident's text size in the shell ("normal", "large", "largest"): the city's stylesheet
  // scales the page by <html data-text-size>.
  function setTextSize(size) {
    if (size === "large" || size === "largest") {
      document.documentElement.setAttribute("data-text-size", size);
    }
  }

  function isLangTag(value) {
    return typeof value === "string" && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(value);
  }

  // The resident's language. <html lang> stays the language the page is written in (the app may
  // fall back to English or Japanese); only a page that declares none takes the resident's.
  function setLocale(locale) {
    if (isLangTag(locale)) {
      state.locale = locale;
      if (!document.documentElement.lang) document.documentElement.lang = locale;
    }
  }

  // Content swapped in by htmx says its language in Content-Language (machi_sdk.web.render).
  document.addEventListener("htmx:afterSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var language = xhr && xhr.getResponseHeader("Content-Language");
    if (isLangTag(language)) document.documentElement.lang = language;
  });

  // ---- read-aloud: the page's sentences, highlighted while the shell reads them ---------------

  var SKIP = "script, style, rt, rp, noscript, template, [hidden], [aria-hidden='true'], " +
    ".visually-hidden, button, select, textarea, option, [data-machi-tools]";
  var BLOCK = "p, li, h1, h2, h3, h4, h5, h6, dt, dd, td, th, caption, label, legend, summary, " +
    "figcaption, blockquote, div, section, article, header, footer, nav, aside, form, fieldset, main";
  var SENTENCE = /[^。．.!?！？\n]+[。．.!?！？]*|[。．.!?！？]+/g;
  var READING = "machi-sentence--reading";
  var reading = null; // {spans: [[span, ...] per sentence], current: index}

  function textNodes(root, skip, accept) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentElement;
        if (!parent || parent.closest(skip)) return NodeFilter.FILTER_REJECT;
        return accept(node) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      }
    });
    var nodes = [];
    var node;
    while ((node = walker.nextNode())) nodes.push(node);
    return nodes;
  }

  // Cut `root`'s readable text into sentences (a block's end ends one too) and wrap each piece of
  // a sentence in <span class="machi-sentence" data-machi-sentence="n">; returns the sentences.
  function wrapSentences(root) {
    var nodes = textNodes(root, SKIP, function (node) { return !!node.nodeValue.trim(); });
    var text = "";
    var starts = [];
    var lastBlock = null;
    nodes.forEach(function (node, i) {
      var block = node.parentElement.closest(BLOCK);
      if (i && block !== lastBlock) text += "\n";
      lastBlock = block;
      starts.push(text.length);
      text += node.nodeValue;
    });
    var sentences = [];
    var bounds = [];
    var total = 0;
    var match;
    SENTENCE.lastIndex = 0;
    while ((match = SENTENCE.exec(text))) {
      var said = match[0].trim().slice(0, 1000);
      if (!said) continue;
      if (sentences.length >= 500 || total + said.length > 5000) break;
      var start = match.index + match[0].indexOf(said);
      sentences.push(said);
      bounds.push([start, start + said.length]);
      total += said.length;
    }
    var spans = sentences.map(function () { return []; });
    nodes.forEach(function (node, n) {
      var from = starts[n];
      var to = from + node.nodeValue.length;
      var cuts = [];
      bounds.forEach(function (b, index) {
        if (b[0] < to && b[1] > from) cuts.push([Math.max(b[0], from) - from, Math.min(b[1], to) - from, index]);
      });
      if (!cuts.length) return;
      var value = node.nodeValue;
      var fragment = document.createDocumentFragment();
      var at = 0;
      cuts.forEach(function (cut) {
        if (cut[0] > at) fragment.appendChild(document.createTextNode(value.slice(at, cut[0])));
        var span = document.createElement("span");
        span.className = "machi-sentence";
        span.setAttribute("data-machi-sentence", String(cut[2]));
        span.textContent = value.slice(cut[0], cut[1]);
        fragment.appendChild(span);
        spans[cut[2]].push(span);
        at = cut[1];
      });
      if (at < value.length) fragment.appendChild(document.createTextNode(value.slice(at)));
      node.parentNode.replaceChild(fragment, node);
    });
    reading = { spans: spans, current: -1 };
    return sentences;
  }

  // Take the spans out again: the page is as it was (its text nodes joined back).
  function unwrapSentences() {
    if (!reading) return;
    var parents = [];
    reading.spans.forEach(function (list) {
      list.forEach(function (span) {
        var parent = span.parentNode;
        if (!parent) return;
        while (span.firstChild) parent.insertBefore(span.firstChild, span);
        parent.removeChild(span);
        if (parents.indexOf(parent) < 0) parents.push(parent);
      });
    });
    parents.forEach(function (parent) { parent.normalize(); });
    reading = null;
    addRuby(); // furigana waits while a reading holds the text
  }

  // The shell says which sentence it is reading (index -1: the reading ended or was stopped).
  function showReading(index) {
    if (!reading) return;
    if (typeof index !== "number" || index < 0 || index >= reading.spans.length) {
      unwrapSentences();
      return;
    }
    if (reading.current >= 0) {
      reading.spans[reading.current].forEach(function (span) { span.classList.remove(READING); });
    }
    reading.current = index;
    var current = reading.spans[index];
    current.forEach(function (span) { span.classList.add(READING); });
    if (current[0] && current[0].scrollIntoView) current[0].scrollIntoView({ block: "nearest" });
  }

  function readMain() {
    var main = document.getElementById("main");
    if (!main) return;
    unwrapSentences();
    var sentences = wrapSentences(main);
    if (!sentences.length) { unwrapSentences(); return; }
    var lang = document.documentElement.lang || state.locale;
    call("readAloud", { sentences: sentences, lang: lang }).catch(function (error) {
      unwrapSentences(); // e.g. "no_voice": the shell's bar says so, in the resident's language
      warn(error);
    });
  }

  // A new page (or the read part of it swapped out) ends the reading.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!reading || !target) return;
    var touched = reading.spans.some(function (list) {
      return list.some(function (span) { return target.contains(span) || span.contains(target); });
    });
    if (!touched) return;
    unwrapSentences();
    call("stopReading", {}).catch(warn);
  });

  // ---- furigana: ruby over the kanji of Japanese text, read by the shell's analyser ----------

  var KANJI = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  var NO_RUBY = "script, style, textarea, title, option, select, ruby, rt, rp, code, pre, svg, " +
    "[data-machi-no-ruby], [contenteditable]";
  var asked = typeof WeakSet === "function" ? new WeakSet() : null;

  function isJapanese(node) {
    var owner = node.parentElement.closest("[lang]");
    return /^ja(-|$)/i.test(owner ? owner.getAttribute("lang") || "" : state.locale);
  }

  function addRuby() {
    if (!state.furigana || reading || !asked) return;
    var main = document.getElementById("main");
    if (!main) return;
    var total = 0;
    var nodes = textNodes(main, NO_RUBY, function (node) {
      var value = node.nodeValue;
      if (asked.has(node) || value.length > 2000 || !KANJI.test(value) || !isJapanese(node)) return false;
      total += value.length;
      return total <= 20000;
    }).slice(0, 300);
    if (!nodes.length) return;
    nodes.forEach(function (node) { asked.add(node); });
    call("furigana", { texts: nodes.map(function (node) { return node.nodeValue; }) })
      .then(function (result) {
        var ruby = result && Array.isArray(result.ruby) ? result.ruby : [];
        if (!reading) nodes.forEach(function (node, i) { putRuby(node, ruby[i]); });
      })
      .catch(warn);
  }

  function putRuby(node, pieces) {
    if (!node.parentNode || !Array.isArray(pieces)) return;
    var same = pieces.map(function (p) { return Array.isArray(p) ? String(p[0]) : ""; }).join("");
    if (same !== node.nodeValue) return; // the page changed meanwhile
    var fragment = document.createDocumentFragment();
    pieces.forEach(function (piece) {
      if (typeof piece[1] === "string" && piece[1]) {
        var ruby = document.createElement("ruby");
        ruby.appendChild(document.createTextNode(String(piece[0])));
        var rt = document.createElement("rt");
        rt.textContent = piece[1];
        ruby.appendChild(rt);
        fragment.appendChild(ruby);
      } else {
        fragment.appendChild(document.createTextNode(String(piece[0])));
      }
    });
    node.parentNode.replaceChild(fragment, node);
  }

  document.addEventListener("htmx:afterSettle", function () { addRuby(); });

  function wireReadAloud() {
    var tools = document.querySelector("[data-machi-tools]");
    var button = document.querySelector("[data-machi-read-aloud]");
    if (!tools || !button || button.hasAttribute("data-machi-wired")) return;
    button.setAttribute("data-machi-wired", "");
    button.addEventListener("click", readMain);
    portReady.then(function () { return call("supports", { method: "readAloud" }); })
      .then(function (result) { tools.hidden = !(result && result.supported); })
      .catch(warn);
  }

  function setTheme(theme) {
    if (typeof theme === "string" && /^[a-z-]{1,20}$/.test(theme)) {
      state.theme = theme;
      document.documentElement.setAttribute("data-theme", theme);
    }
  }

  // ---- the token ----------------------------------------------------------------------------

  var token = null;
  var expiresAt = 0;
  var refreshing = null;
  var refreshTimer = null;
  var announced = false;

  function now() { return Date.now() / 1000; }
  function warn(error) { if (window.console) console.warn("machi:", error); }

  function refreshToken() {
    if (!refreshing) {
      refreshing = call("getToken", {}).then(function (result) {
        if (!isPlainObject(result) || typeof result.token !== "string" ||
            typeof result.expires_at !== "number") {
          throw machiError("bad_response", "getToken answered without token and expires_at");
        }
        token = result.token;
        expiresAt = result.expires_at;
        clearTimeout(refreshTimer);
        var delay = Math.max(5, expiresAt - now() - REFRESH_BEFORE);
        refreshTimer = setTimeout(function () { refreshToken().catch(warn); }, delay * 1000);
        if (!announced) {
          announced = true;
          whenDomReady(function () { document.body.dispatchEvent(new CustomEvent("machi:ready")); });
        }
        return token;
      });
      refreshing.then(clear, clear);
    }
    return refreshing;
    function clear() { refreshing = null; }
  }

  function getToken() {
    if (token && expiresAt - now() > 30) return Promise.resolve(token);
    return refreshToken();
  }

  function sameOrigin(path) {
    try { return new URL(path, window.location.href).origin === window.location.origin; } catch (e) { return false; }
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (token && sameOrigin(event.detail.path)) {
      event.detail.headers.Authorization = "Bearer " + token;
    }
  });

  // The first token: without it the page cannot load at all, so a failed request is tried again
  // with growing pauses; when none arrives the resident is told, with a way to try again.
  function firstToken(attempt) {
    refreshToken().catch(function (error) {
      warn(error);
      if (announced) return;
      if (attempt >= FIRST_TOKEN_RETRIES.length) { bootFailed(); return; }
      setTimeout(function () { firstToken(attempt + 1); }, FIRST_TOKEN_RETRIES[attempt]);
    });
  }

  function isBoot(elt) { return !!(elt && elt.hasAttribute && elt.hasAttribute("data-machi-boot")); }

  // The boot page's loader failed (a 5xx, or no answer): load again after a pause, a few times.
  function retryBoot(elt) {
    var tries = parseInt(elt.getAttribute("data-machi-tries") || "0", 10);
    if (tries >= BOOT_RETRIES.length) { bootFailed(); return; }
    elt.setAttribute("data-machi-tries", String(tries + 1));
    setTimeout(function () { elt.dispatchEvent(new CustomEvent("machi:retry")); }, BOOT_RETRIES[tries]);
  }

  // Instead of "Loading…" for ever: say it could not load, and offer to load the page again.
  function bootFailed() {
    var boot = document.querySelector("[data-machi-boot]");
    if (!boot) return;
    boot.setAttribute("aria-busy", "false");
    boot.querySelectorAll("[data-testid='machi-loading']").forEach(function (el) { el.hidden = true; });
    boot.querySelectorAll("[data-machi-boot-failed]").forEach(function (el) { el.hidden = false; });
  }

  document.addEventListener("click", function (event) {
    var reload = event.target && event.target.closest && event.target.closest("[data-machi-reload]");
    if (reload) window.location.reload();
  });

  // A 401 means the token was refused (expired while the tab slept, revoked): fetch a new one and,
  // for the boot page's loader, try once more. Other failures of the loader are tried again.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    if (!xhr || xhr.status !== 401) {
      if (isBoot(elt)) retryBoot(elt);
      return;
    }
    token = null;
    refreshToken().then(function () {
      if (isBoot(elt) && !elt.hasAttribute("data-machi-retried")) {
        elt.setAttribute("data-machi-retried", "");
        elt.dispatchEvent(new CustomEvent("machi:retry"));
      }
    }).catch(function (error) {
      warn(error);
      if (isBoot(elt)) bootFailed();
    });
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (isBoot(event.detail.elt)) retryBoot(event.detail.elt);
  });

  // ---- offline: the SDK's service worker keeps a public page for use without network ----------

  var offlineWorker = document.querySelector('meta[name="machi-offline"]');
  var workerReady = null;

  function keepOffline(url) {
    if (!offlineWorker || !("serviceWorker" in navigator)) {
      return Promise.reject(machiError("unsupported", "this app keeps no offline page"));
    }
    if (!workerReady) {
      workerReady = navigator.serviceWorker.register(offlineWorker.getAttribute("content"), { scope: "/" })
        .then(function () { return navigator.serviceWorker.ready; });
    }
    return workerReady.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({ type: "machi:keep-offline", url: typeof url === "string" ? url : "" });
      }
    });
  }

  function keepMarkedPage() {
    var marker = document.querySelector("[data-machi-keep-offline]");
    if (!marker) return;
    // offline use is a bonus: the page works without it
    keepOffline(marker.getAttribute("data-machi-keep-offline")).catch(function () {});
  }

  if (offlineWorker) {
    whenDomReady(keepMarkedPage);
    document.addEventListener("htmx:afterSettle", keepMarkedPage);
  }

  // ---- declarative helpers: paying, downloads and images with the token, scanning ----------

  // Submit as the resident's own submit button would (htmx takes it over, with the token).
  function submitForm(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit();
    else if (window.htmx) window.htmx.trigger(form, "submit");
  }

  function closestMarked(event, selector) {
    var target = event.target;
    return target && target.closest ? target.closest(selector) : null;
  }

  // A call refused for bad parameters is the app's mistake: say so in the console. Anything else
  // (cancelled, no camera, not paid) is the resident's choice and leaves the page as it was.
  function warnIfMisused(error) {
    if (error && (error.code === "invalid_params" || error.code === "unknown_method")) warn(error);
  }

  document.addEventListener("click", function (event) {
    var button = closestMarked(event, "[data-machi-pay]");
    if (!button || button.disabled) return;
    event.preventDefault();
    button.disabled = true;
    call("pay", {
      amount: parseInt(button.getAttribute("data-amount"), 10),
      description: button.getAttribute("data-description"),
      reference: button.getAttribute("data-reference")
    }).then(function () {
      submitForm(button.closest("[data-machi-pay-form]"));
    }).catch(warnIfMisused).then(function () { button.disabled = false; });
  });

  document.addEventListener("click", function (event) {
    var button = closestMarked(event, "[data-machi-scan]");
    if (!button || button.disabled) return;
    var form = button.closest("form");
    var field = form && form.elements.namedItem(button.getAttribute("data-machi-scan"));
    if (!field) { warn("data-machi-scan names no field of its form"); return; }
    event.preventDefault();
    button.disabled = true;
    call("scanQR", {}).then(function (result) {
      field.value = result && typeof result.text === "string" ? result.text : "";
      submitForm(form);
    }).catch(warnIfMisused).then(function () { button.disabled = false; });
  });

  function withToken(url) {
    return getToken().then(function (value) {
      return fetch(url, { headers: { Authorization: "Bearer " + value } });
    }).then(function (response) {
      if (!response.ok) throw machiError("http_" + response.status, "GET " + url + ": " + response.status);
      return response;
    });
  }

  function dispositionName(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var encoded = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(header);
    if (encoded) {
      try { return decodeURIComponent(encoded[1]); } catch (e) { /* fall back to filename= */ }
    }
    var plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(header);
    return plain ? plain[1] || plain[2] : "";
  }

  function announce(source, outcome) {
    var id = source.getAttribute("data-machi-status");
    var region = id ? document.getElementById(id) : null;
    if (region) region.textContent = region.getAttribute("data-" + outcome) || "";
  }

  function download(source, url) {
    withToken(url).then(function (response) {
      var name = source.getAttribute("data-machi-download") || dispositionName(response);
      return response.blob().then(function (blob) {
        var href = URL.createObjectURL(blob);
        var save = document.createElement("a");
        save.href = href;
        save.download = name;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(href); }, 10000);
      });
    }).then(function () { announce(source, "done"); }, function (error) {
      warn(error);
      announce(source, "failed");
    });
  }

  // Capture: before htmx (hx-boost) would load the file into the page without saving it.
  document.addEventListener("click", function (event) {
    var link = closestMarked(event, "a[data-machi-download]");
    if (!link || !sameOrigin(link.getAttribute("href"))) return;
    event.preventDefault();
    event.stopPropagation();
    download(link, link.getAttribute("href"));
  }, true);

  document.addEventListener("submit", function (event) {
    var form = closestMarked(event, "form[data-machi-download]");
    var action = form ? form.getAttribute("action") || window.location.pathname : "";
    if (!form || (form.getAttribute("method") || "get").toLowerCase() !== "get" || !sameOrigin(action)) return;
    event.preventDefault();
    event.stopPropagation();
    var query = new URLSearchParams(new FormData(form)).toString();
    download(form, query ? action + (action.indexOf("?") < 0 ? "?" : "&") + query : action);
  }, true);

  var imagesAsked = typeof WeakSet === "function" ? new WeakSet() : null;

  function loadImages() {
    if (!imagesAsked) return;
    document.querySelectorAll("img[data-machi-src]:not([src])").forEach(function (img) {
      var url = img.getAttribute("data-machi-src");
      if (imagesAsked.has(img) || !sameOrigin(url)) return;
      imagesAsked.add(img);
      withToken(url).then(function (response) { return response.blob(); }).then(function (blob) {
        img.src = URL.createObjectURL(blob);
      }).catch(function (error) {
        warn(error);
        img.alt = img.alt + " ×";
      });
    });
  }

  whenDomReady(loadImages);
  document.addEventListener("htmx:afterSettle", loadImages);

  // ---- the handshake ------------------------------------------------------------------------

  var helloTimers = [];
  // Names this document in every hello. A busy shell may answer two hellos back to back; by the
  // second it knows the welcome is already on its way and keeps the first port open, instead of
  // closing the one this page is about to use (the page then never got its token).
  var documentId = Array.prototype.map.call(
    window.crypto.getRandomValues(new Uint8Array(12)),
    function (byte) { return ("0" + byte.toString(16)).slice(-2); }
  ).join("");

  function hello() {
    window.parent.postMessage({ machi: 1, type: "hello", app: appId, doc: documentId }, shellOrigin);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== shellOrigin) return;
    var data = event.data;
    if (!isPlainObject(data) || data.machi !== 1 || data.type !== "welcome") return;
    var offered = event.ports && event.ports[0];
    if (!offered) return;
    if (port) { offered.close(); return; } // an answer to a repeated hello: keep the first port
    port = offered;
    port.onmessage = onPortMessage; // also starts the port
    helloTimers.forEach(clearTimeout);
    setLocale(data.locale);
    setTheme(data.theme);
    setTextSize(data.textSize);
    state.furigana = data.furigana === true;
    resolvePortReady();
    firstToken(0);
    whenDomReady(addRuby);
  });

  // After DOMContentLoaded, not merely after parsing: this file runs deferred, while the document
  // is "interactive" and the app's own deferred scripts may still be loading. htmx processes the
  // page (the boot loader's hx-trigger included) in its DOMContentLoaded listener, which was added
  // before ours; a "machi:ready" sent before that was lost, and the page stayed on "Loading…"
  // whenever the token came back before the app's scripts had loaded.
  function whenDomReady(fn) {
    if (domLoaded || document.readyState === "complete") {
      fn();
      return;
    }
    var done = false;
    function once() { if (!done) { done = true; fn(); } }
    document.addEventListener("DOMContentLoaded", once, { once: true });
    window.addEventListener("load", once, { once: true }); // were this file loaded after it
  }

  whenDomReady(wireReadAloud);

  if (window.parent === window || !shellOrigin || !appId) {
    // Opened outside the shell (or a broken layout): say so instead of loading forever.
    whenDomReady(function () {
      document.querySelectorAll("[data-machi-not-framed]").forEach(function (el) { el.hidden = false; });
    });
    if (!shellOrigin || !appId) warn("missing <meta name=\"machi-shell\"> or <meta name=\"machi-app\">");
  } else {
    hello();
    helloTimers = HELLO_RETRIES.map(function (ms) { return setTimeout(hello, ms); });
  }

  var api = {
    version: 1,
    call: call,
    getToken: getToken,
    on: function (name, fn) {
      if (EVENTS.indexOf(name) < 0) throw machiError("unknown_event", "no such event: " + name);
      if (typeof fn !== "function") throw machiError("invalid_params", "on() needs a function");
      (handlers[name] = handlers[name] || []).push(fn);
      return function off() {
        handlers[name] = (handlers[name] || []).filter(function (f) { return f !== fn; });
      };
    },
    keepOffline: keepOffline,
    supports: function (method) {
      return call("supports", { method: method }).then(function (result) {
        return typeof result === "boolean" ? result : !!(result && result.supported);
      });
    },
    ready: null
  };
  api.ready = new Promise(function (resolve) {
    document.addEventListener("machi:ready", function () { resolve(api); }, { once: true, capture: true });
  });
  Object.defineProperty(api, "locale", { get: function () { return state.locale; }, enumerable: true });
  Object.defineProperty(api, "theme", { get: function () { return state.theme; }, enumerable: true });
  Object.defineProperty(window, "machi", { value: Object.freeze(api), writable: false, configurable: false });
})();
