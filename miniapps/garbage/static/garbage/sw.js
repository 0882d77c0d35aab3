// The garbage calendar's service worker, on the app's own origin.
// It keeps the chosen area's coming months (/offline/<area>, public data) and the styles, and
// answers a page load that cannot reach the network with them.
"use strict";
var CACHE = "garbage-offline-v1";
var PAGE = "/offline";
var ASSETS = ["/static/garbage/garbage.css", "/categories.css"];

self.addEventListener("install", function () { self.skipWaiting(); });
// Page loads go to the network by navigation preload: that request is the frame's own navigation,
// which the SDK answers without a token with the boot page; a fetch() made here would not be one
// and would be refused (401) once this worker controls the frame.
self.addEventListener("activate", function (event) {
  var preload = self.registration.navigationPreload
    ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(Promise.all([self.clients.claim(), preload]));
});

function keep(area) {
  return caches.open(CACHE).then(function (cache) {
    return fetch("/offline/" + encodeURIComponent(area), { credentials: "omit" }).then(function (response) {
      if (!response.ok) return;
      return cache.put(PAGE, response).then(function () {
        return cache.addAll(ASSETS);
      }).then(function () {
        return self.clients.matchAll().then(function (clients) {
          clients.forEach(function (client) { client.postMessage({ type: "kept", area: area }); });
        });
      });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep-area" && /^[0-9]+$/.test(String(data.area))) {
    event.waitUntil(keep(String(data.area)));
  }
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
