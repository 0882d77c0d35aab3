// The library's service worker, on the app's own origin. It keeps the offline card page (public:
// nothing personal in it) and its assets, and answers a page load without network with it.
"use strict";
var CACHE = "library-offline-v1";
var PAGE = "/offline";
var ASSETS = ["/static/library/library.css", "/static/library/offline.js"];

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function keep() {
  return caches.open(CACHE).then(function (cache) {
    return cache.addAll([PAGE].concat(ASSETS));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep-card") event.waitUntil(keep());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(PAGE).then(function (kept) {
        return kept || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(request).catch(function () { return caches.match(url.pathname); }));
  }
});
