// The handbook's service worker, on the app's own origin. It keeps the offline page (public:
// nothing personal in it; the records come from the app's storage on the device) and its assets,
// and answers a page load without network with it.
"use strict";
var CACHE = "handbook-offline-v1";
var PAGE = "/offline";
var ASSETS = ["/static/handbook/handbook.css", "/static/handbook/offline.js"];

self.addEventListener("install", function () { self.skipWaiting(); });
// Navigation preload: the browser itself loads the page, as the frame's navigation (the SDK
// answers such a request without a token with the boot page; a fetch() made here would not be
// one, and would be refused).
self.addEventListener("activate", function (event) {
  var preload = self.registration.navigationPreload
    ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(Promise.all([self.clients.claim(), preload]));
});

function keep() {
  return caches.open(CACHE).then(function (cache) { return cache.addAll([PAGE].concat(ASSETS)); });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep-offline") event.waitUntil(keep());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(Promise.resolve(event.preloadResponse).then(function (loaded) {
      return loaded || fetch(request);
    }).catch(function () {
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
