// machi_sdk's offline service worker. The app serves it at /sw.js on its own origin (see
// machi_sdk.offline), preceded by `self.MACHI_OFFLINE = {cache, page, assets};`.
//
// It keeps one page for use without network, under the path `page` ("/offline"): the page a
// message {type: "machi:keep-offline", url} names (the page itself or a path below it, such as
// "/offline/12" for one area), fetched without credentials because it must be public, and the
// `assets` with it. A page load that cannot reach the network is answered with the kept page.
"use strict";
var CONFIG = self.MACHI_OFFLINE;
var CACHE = CONFIG.cache;
var PAGE = CONFIG.page;
var ASSETS = CONFIG.assets;

self.addEventListener("install", function () { self.skipWaiting(); });

// Page loads go to the network by navigation preload: that request is the frame's own navigation,
// which the SDK answers without a token with the boot page; a fetch() made here would not be one
// and would be refused (401) once this worker controls the frame. Caches of earlier versions of
// this worker are dropped.
self.addEventListener("activate", function (event) {
  var preload = self.registration.navigationPreload
    ? self.registration.navigationPreload.enable() : Promise.resolve();
  var stale = caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name !== CACHE && name.indexOf(CONFIG.prefix) === 0;
    }).map(function (name) { return caches.delete(name); }));
  });
  event.waitUntil(Promise.all([self.clients.claim(), preload, stale]));
});

function keepable(url) {
  var parsed;
  try { parsed = new URL(url, self.location.origin); } catch (e) { return null; }
  if (parsed.origin !== self.location.origin) return null;
  if (parsed.pathname !== PAGE && parsed.pathname.indexOf(PAGE + "/") !== 0) return null;
  return parsed.pathname + parsed.search;
}

function keep(url) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(url, { credentials: "omit" }).then(function (response) {
      if (!response.ok) return;
      return cache.put(PAGE, response).then(function () {
        return cache.addAll(ASSETS);
      }).then(function () {
        return self.clients.matchAll().then(function (clients) {
          clients.forEach(function (client) { client.postMessage({ type: "machi:kept", url: url }); });
        });
      });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "machi:keep-offline") return;
  var url = keepable(typeof data.url === "string" && data.url ? data.url : PAGE);
  if (url) event.waitUntil(keep(url));
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
