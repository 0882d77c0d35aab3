// The library's service worker, on the app's own origin. It keeps the offline card page (public:
// nothing personal in it) and its assets, and answers a page load without network with it.
"use strict";
var CACHE = "library-offline-v1";
var PAGE = "/offline";
var ASSETS = ["/static/library/library.css", "/static/library/offline.js"];

self.addEventListener("install", function () { self.skipWaiting(); });
// Page loads go to the network by navigation preload: that request is the frame's own navigation,
// which the SDK answers without a token with the boot page; a fetch() made here would not be one
// and would be refused (401) once this worker controls the frame.
self.addEventListener("activate", function (event) {
  var preload = self.registration.navigationPreload
    ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(Promise.all([self.clients.claim(), preload]));
});

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
    event.respondWith(Promise.resolve(event.preloadResponse).then(function (loaded) {
      return loaded || fetch(request);
    }).catch(function () { return caches.match(url.pathname); }));
  }
});
