// The handbook app's own script: the child's records kept on this device for the offline page
// (the SDK's service worker keeps the page itself: data-machi-keep-offline), and the entries made
// offline, sent when the network is back (the server stores each once, by its client key).
// Downloads are machi.js's data-machi-download.
(function () {
  "use strict";
  var QUEUE = "handbook-queue", KEPT = "handbook-children";

  function read(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }

  function keepSnapshot() {
    var node = document.querySelector("[data-handbook-snapshot]");
    var expecting = document.querySelector("[data-handbook-pregnancy]");
    if (!node && !expecting) return;
    try {
      if (node) {
        var child = JSON.parse(node.getAttribute("data-handbook-snapshot"));
        var kept = read(KEPT, {});
        kept[String(child.id)] = child;
        write(KEPT, kept);
      }
      if (expecting) write("handbook-pregnancy", JSON.parse(expecting.getAttribute("data-handbook-pregnancy")));
    } catch (e) { return; }
  }

  var sending = false;
  function flush() {
    var queue = read(QUEUE, []);
    if (!queue.length || sending || !navigator.onLine || !window.machi || !window.machi.getToken) return;
    sending = true;
    window.machi.getToken().then(function (token) {
      return fetch("/sync", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
        body: JSON.stringify({ entries: queue })
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("sync " + response.status);
      return response.json();
    }).then(function (result) {
      var done = (result.stored || []).concat((result.refused || []).map(function (r) { return r.client_key; }));
      var left = read(QUEUE, []).filter(function (e) { return done.indexOf(e.client_key) < 0; });
      write(QUEUE, left);
      document.body.setAttribute("data-handbook-synced", String(done.length));
      if (done.length && window.htmx &&
          document.querySelector("[data-handbook-snapshot], [data-handbook-pregnancy]")) {
        window.htmx.ajax("GET", window.location.pathname, { target: "#main", swap: "innerHTML" });
      }
    }).catch(function () { /* tried again on the next page or when online */ })
      .then(function () { sending = false; });
  }

  document.addEventListener("htmx:afterSettle", keepSnapshot);
  document.addEventListener("DOMContentLoaded", keepSnapshot);
  document.addEventListener("machi:ready", flush);
  document.addEventListener("htmx:afterSettle", flush);
  window.addEventListener("online", flush);
})();
