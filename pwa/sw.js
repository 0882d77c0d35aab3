/* Machi service worker, served at /sw.js with scope "/" by shell/web/pwa.py.
 *
 * The server fills in the two placeholders below: the version (a hash of the shell's assets)
 * and the list of URLs the offline shell needs, "/offline" first. A new version installs
 * beside the old one, takes over at once and deletes the old caches.
 *
 *   navigations      network first; offline: the cached copy of that page, else /offline
 *   /static/ assets  cache first, refreshed in the background (stale-while-revalidate)
 *   anything else    straight to the network (POST, htmx fragments, /healthz, other origins)
 */
"use strict";

const VERSION = "__VERSION__";
const CACHE_PREFIX = "machi-shell-";
const CACHE = CACHE_PREFIX + VERSION;
const PRECACHE = __PRECACHE__;
const OFFLINE_URL = "/offline";
const NEVER_CACHE = new Set(["/healthz", "/sw.js"]);
const ICON = "/static/icons/icon-192.png";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // "reload": skip the HTTP cache so a new version never precaches a stale file.
      await cache.addAll(
        PRECACHE.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" }))
      );
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
          .map((name) => caches.delete(name))
      );
      await self.clients.claim();
    })()
  );
});

function cacheable(response) {
  // Only whole, same-origin, successful answers; never what the server marks no-store.
  return (
    response &&
    response.ok &&
    response.type === "basic" &&
    !response.redirected &&
    !/no-store/i.test(response.headers.get("Cache-Control") || "")
  );
}

async function navigate(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    if (cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(
        caches
          .open(CACHE)
          .then((cache) => cache.put(request, copy))
          .catch(() => undefined)
      );
    }
    return response;
  } catch (error) {
    const cache = await caches.open(CACHE);
    const page = await cache.match(request, { ignoreVary: true });
    if (page) {
      return page;
    }
    const offline = await cache.match(OFFLINE_URL, { ignoreVary: true });
    if (offline) {
      return offline;
    }
    throw error;
  }
}

async function staticAsset(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const refresh = fetch(request).then((response) => {
    if (cacheable(response)) {
      // a full disk must not fail the request: storing is best effort
      event.waitUntil(cache.put(request, response.clone()).catch(() => undefined));
    }
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER_CACHE.has(url.pathname)) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith("/static/") && !request.headers.has("range")) {
    event.respondWith(staticAsset(event));
  }
});

// Pages may ask to forget cached pages (after signing out), keeping the offline shell.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "machi:forget-pages") {
    return;
  }
  const keep = new Set(PRECACHE.map((path) => new URL(path, self.location.origin).href));
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const request of await cache.keys()) {
        const url = new URL(request.url);
        if (!keep.has(url.href) && !url.pathname.startsWith("/static/")) {
          await cache.delete(request);
        }
      }
    })()
  );
});

// Pages that must open offline from their first visit (the resident ID card, /verify) ask to be
// kept, with the scripts and styles they use: on that first visit this worker did not control
// them yet, so nothing was cached on the way. It answers "machi:kept" when done.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "machi:keep" || !Array.isArray(event.data.urls)) {
    return;
  }
  const urls = event.data.urls
    .map((value) => {
      try {
        return new URL(value, self.location.origin);
      } catch (error) {
        return null;
      }
    })
    .filter((url) => url && url.origin === self.location.origin && !NEVER_CACHE.has(url.pathname))
    .map((url) => url.href);
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all(
        urls.map(async (url) => {
          try {
            const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
            if (cacheable(response)) {
              await cache.put(url, response);
            }
          } catch (error) {
            // offline or refused: the page simply is not kept this time
          }
        })
      );
      if (event.source) {
        event.source.postMessage({ type: "machi:kept", urls });
      }
    })()
  );
});

// Web Push: the payload is JSON {title, body, url}; a missing or broken payload still shows
// something, because a push that shows nothing is penalised by browsers.
function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : new URL("/", self.location.origin).href;
  } catch (error) {
    return new URL("/", self.location.origin).href;
  }
}

self.addEventListener("push", (event) => {
  let payload = {};
  if (event.data) {
    try {
      payload = event.data.json() || {};
    } catch (error) {
      payload = { body: event.data.text() };
    }
  }
  const title = typeof payload.title === "string" && payload.title ? payload.title : "Machi";
  const options = {
    body: typeof payload.body === "string" ? payload.body : "",
    icon: ICON,
    badge: ICON,
    data: { url: sameOriginUrl(payload.url) },
  };
  if (typeof payload.tag === "string" && payload.tag) {
    options.tag = payload.tag;
  }
  if (typeof payload.lang === "string" && payload.lang) {
    options.lang = payload.lang;
  }
  const work = [self.registration.showNotification(title, options)];
  // Tell the city it arrived (the receipt URL carries its own signed token, no cookie needed).
  if (typeof payload.receipt === "string" && payload.receipt.startsWith("/notifications/receipts/")) {
    work.push(fetch(payload.receipt, { method: "POST", credentials: "omit" }).catch(() => null));
  }
  if (typeof payload.badge === "number" && "setAppBadge" in self.navigator) {
    work.push(self.navigator.setAppBadge(payload.badge).catch(() => null));
  }
  event.waitUntil(Promise.all(work));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const exact = windows.find((client) => client.url === target);
      if (exact) {
        return exact.focus();
      }
      const mine = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (mine) {
        const focused = await mine.focus();
        try {
          return await (focused || mine).navigate(target);
        } catch (error) {
          // an uncontrolled window cannot be navigated from here: open a new one
        }
      }
      return self.clients.openWindow(target);
    })()
  );
});
