// Machi live events: one EventSource per page on /live/events (see shell/web/live.py).
//
//   <div data-live-channels="booking.12">        extra channels this page follows (server checks)
//   document.body "live-<event>" DOM events       detail = {channel, data}; for htmx:
//                                                 hx-trigger="live-booking-changed from:body"
//   <div id="x" data-live-refresh="a b"           on event a or b, GET data-live-url (else this
//        data-live-url="/fragment">                page) and replace #x with the #x of the answer
//   <html data-live="open|closed">                whether the stream is connected (tests wait on it)
//
// Hidden tabs close their stream and reopen it when shown (then refresh, as after a reconnect).
// After a reconnect every data-live-refresh element is refreshed, so a missed event costs nothing.
(function () {
  "use strict";
  if (!("EventSource" in window)) { return; }

  var root = document.documentElement;
  var source = null;
  var everOpen = false;
  var pending = {};
  var again = {};

  // One fetch per element at a time; an event during it asks for one more fetch after it, so
  // the last change is never lost however fast events come.
  function refresh(element) {
    var id = element.id;
    if (!id) { return; }
    if (pending[id]) { again[id] = true; return; }
    pending[id] = true;
    var url = element.getAttribute("data-live-url") || window.location.pathname + window.location.search;
    fetch(url, { credentials: "same-origin", headers: { "X-Live-Refresh": id } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(id);
        var current = document.getElementById(id);
        if (!fresh || !current) { return; }
        var focused = current.contains(document.activeElement);
        current.replaceWith(fresh);
        if (window.htmx) { window.htmx.process(fresh); }
        if (focused) {
          var heading = fresh.querySelector("h1, h2, [tabindex]");
          if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
        }
        document.body.dispatchEvent(new CustomEvent("live:refreshed", { detail: { id: id } }));
      })
      .catch(function () { /* the next event or reconnect tries again */ })
      .finally(function () {
        delete pending[id];
        if (again[id]) {
          delete again[id];
          var current = document.getElementById(id);
          if (current) { refresh(current); }
        }
      });
  }

  function refreshFor(eventName) {
    document.querySelectorAll("[data-live-refresh]").forEach(function (element) {
      var names = (element.getAttribute("data-live-refresh") || "").split(/\s+/);
      if (eventName === "*" || names.indexOf(eventName) !== -1) { refresh(element); }
    });
  }

  function dispatch(eventName, message) {
    var detail = {};
    try { detail = JSON.parse(message.data); } catch (e) { detail = {}; }
    document.body.dispatchEvent(new CustomEvent("live-" + eventName, { detail: detail }));
    refreshFor(eventName);
  }

  function connect() {
    var extra = [];
    document.querySelectorAll("[data-live-channels]").forEach(function (element) {
      extra = extra.concat((element.getAttribute("data-live-channels") || "").split(/\s+/).filter(Boolean));
    });
    var query = extra.map(function (name) { return "channel=" + encodeURIComponent(name); }).join("&");
    source = new EventSource("/live/events" + (query ? "?" + query : ""));
    var known = {};
    source.addEventListener("ready", function () {
      root.setAttribute("data-live", "open");
      if (everOpen) { refreshFor("*"); }  // catch up on anything missed while away
      everOpen = true;
    });
    source.addEventListener("error", function () { root.setAttribute("data-live", "closed"); });
    // Every named event: EventSource needs a listener per name, so listen on the ones the page
    // declares plus the shell's own; "message" catches unnamed ones.
    var names = ["disaster-mode", "safety-answer", "safety-check"];
    document.querySelectorAll("[data-live-refresh]").forEach(function (element) {
      names = names.concat((element.getAttribute("data-live-refresh") || "").split(/\s+/));
    });
    document.querySelectorAll("[data-live-events]").forEach(function (element) {
      names = names.concat((element.getAttribute("data-live-events") || "").split(/\s+/));
    });
    names.forEach(function (name) {
      if (!name || known[name]) { return; }
      known[name] = true;
      source.addEventListener(name, function (message) { dispatch(name, message); });
    });
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
    root.setAttribute("data-live", "closed");
  }

  // Hidden tabs and pages in the back-forward cache hold no connection (a browser allows only
  // six per site over HTTP/1.1, and a phone's battery is precious); back in view, the page
  // reconnects and refreshes what it shows.
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !source) { everOpen = true; connect(); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      disconnect();
    } else if (!source) {
      everOpen = true;
      connect();
    }
  });

  function start() {
    if (document.visibilityState !== "hidden") { connect(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
