// Register Machi's service worker (offline shell, push) for the whole origin.
// Loaded with `defer` from base.html; no inline scripts are allowed by the CSP.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) {
    return;
  }
  function register() {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (error) {
      // The app works without it, only not offline.
      console.warn("Machi: the service worker could not be registered", error);
    });
  }
  if (document.readyState === "complete") {
    register();
  } else {
    window.addEventListener("load", register, { once: true });
  }
})();
