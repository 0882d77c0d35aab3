// machi-sdk dev: the simulated shell's side of the bridge. Same handshake and checks as the real
// shell (only the framed app, from its own origin, may open the channel; one MessagePort after).
(function () {
  "use strict";

  var frame = document.getElementById("miniapp-frame");
  if (!frame) { return; }
  var appId = frame.dataset.appId;
  var appOrigin = frame.dataset.appOrigin;
  var port = null;

  function isString(value, max) { return typeof value === "string" && value.length <= max; }

  var methods = {
    getToken: async function () {
      var response = await fetch(frame.dataset.tokenUrl, { method: "POST" });
      if (!response.ok) { throw { code: "denied", message: "denied" }; }
      return response.json();
    },
    setTitle: async function (params) {
      if (!params || !isString(params.title, 80)) { throw { code: "bad_params", message: "title" }; }
      document.title = params.title + " — machi-sdk dev";
      return {};
    },
    close: async function () { window.location.reload(); return {}; },
    requestScopes: async function (params) {
      if (!params || !Array.isArray(params.scopes)) { throw { code: "bad_params", message: "scopes" }; }
      var declared = (frame.dataset.scopes || "").split(" ").filter(Boolean);
      var undeclared = params.scopes.filter(function (s) { return declared.indexOf(s) < 0; });
      if (undeclared.length) {
        throw { code: "not_declared", message: "not in the manifest: " + undeclared.join(" ") };
      }
      var token = await methods.getToken();
      var granted = token.scopes || [];
      return { granted: params.scopes.filter(function (s) { return granted.indexOf(s) >= 0; }) };
    },
    share: async function (params) {
      if (!params || !(isString(params.text || "", 1000) && isString(params.url || "", 2000))) {
        throw { code: "bad_params", message: "text/url" };
      }
      console.log("machi-sdk dev: share", params);
      return { shared: false };
    },
    openExternal: async function (params) {
      var url;
      try { url = new URL(params && params.url); } catch (e) { throw { code: "bad_params", message: "url" }; }
      if (url.protocol !== "https:" && url.protocol !== "http:") { throw { code: "bad_params", message: "url" }; }
      window.open(url.href, "_blank", "noopener,noreferrer");
      return {};
    },
    // Like the shell: sentences (cut by machi.js) are read one by one, and the app hears which
    // one over the port ({event: "reading", index, state}; index -1 when the reading ends).
    readAloud: async function (params) {
      var sentences = params && Array.isArray(params.sentences) ? params.sentences : null;
      var text = params && isString(params.text, 5000) ? params.text : "";
      if (sentences) {
        if (!sentences.length || sentences.length > 500 ||
            !sentences.every(function (s) { return isString(s, 1000) && s.trim(); })) {
          throw { code: "bad_params", message: "sentences" };
        }
      } else if (text) {
        sentences = [text];
      } else { throw { code: "bad_params", message: "text" }; }
      if (!("speechSynthesis" in window)) { throw { code: "no_voice", message: "speech" }; }
      var lang = params.lang;
      var tag = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
      lang = typeof lang === "string" && tag.test(lang) ? lang : (frame.dataset.locale || "ja");
      if (/^ja-x-/.test(lang)) { lang = "ja-JP"; }
      var voices = window.speechSynthesis.getVoices();
      var base = lang.split("-")[0].toLowerCase();
      if (voices.length && !voices.some(function (v) { return (v.lang || "").toLowerCase().split(/[-_]/)[0] === base; })) {
        console.warn("machi-sdk dev: this device has no voice for " + lang);
        throw { code: "no_voice", message: lang };
      }
      stopReading();
      var run = reading = { port: port };
      var tell = function (index, state) {
        if (run.port && run.port === port) { run.port.postMessage({ event: "reading", index: index, state: state }); }
      };
      sentences.forEach(function (sentence, index) {
        var utterance = new SpeechSynthesisUtterance(sentence);
        utterance.lang = lang;
        utterance.onstart = function () { if (reading === run) { tell(index, "reading"); } };
        utterance.onend = function () {
          if (reading === run && index === sentences.length - 1) { reading = null; tell(-1, "done"); }
        };
        window.speechSynthesis.speak(utterance);
      });
      return { sentences: sentences.length };
    },
    stopReading: async function () { stopReading(); return {}; },
    supports: async function (params) {
      return { supported: !!(params && Object.prototype.hasOwnProperty.call(methods, params.method)) };
    }
  };

  var reading = null; // the reading in progress: {port}
  function stopReading() {
    if (!reading) { return; }
    var run = reading;
    reading = null;
    window.speechSynthesis.cancel();
    if (run.port && run.port === port) { run.port.postMessage({ event: "reading", index: -1, state: "stopped" }); }
  }

  function reply(id, result, error) {
    if (port) { port.postMessage(error ? { id: id, error: error } : { id: id, result: result }); }
  }

  function onPortMessage(event) {
    var msg = event.data;
    if (!msg || typeof msg.id !== "number" || typeof msg.method !== "string") { return; }
    var handler = Object.prototype.hasOwnProperty.call(methods, msg.method) ? methods[msg.method] : null;
    if (!handler) {
      reply(msg.id, null, { code: "unsupported", message: msg.method + " is not simulated" });
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
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) { return; }
    var msg = event.data;
    if (!msg || msg.machi !== 1 || msg.type !== "hello" || msg.app !== appId) { return; }
    if (port) { port.close(); }
    var channel = new MessageChannel();
    port = channel.port1;
    port.onmessage = onPortMessage;
    frame.contentWindow.postMessage(
      { machi: 1, type: "welcome", locale: frame.dataset.locale, theme: "light" },
      appOrigin, [channel.port2]
    );
  });
})();
