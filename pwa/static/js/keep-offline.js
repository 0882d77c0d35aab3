/* Ask the service worker to keep this page and its scripts and styles for offline use, even on
 * the first visit. Sets data-kept on <html> once the worker has them (tests wait for it). */
"use strict";
(function () {
  if (!("serviceWorker" in navigator) || !navigator.onLine) {
    return;
  }
  const assets = Array.from(document.querySelectorAll("script[src], link[rel='stylesheet']"))
    .map((node) => node.src || node.href);
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "machi:kept") {
      document.documentElement.dataset.kept = "1";
    }
  });
  navigator.serviceWorker.ready.then((registration) => {
    if (registration.active) {
      registration.active.postMessage({
        type: "machi:keep",
        urls: [window.location.pathname, ...assets],
      });
    }
  });
})();
