// The garbage calendar's own script: registers the app's service worker (on the app's origin)
// and tells it which area's coming months to keep for use without network.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var registration = navigator.serviceWorker.register("/sw.js", { scope: "/" });

  function keepArea() {
    var marker = document.querySelector("[data-garbage-offline-area]");
    if (!marker) return;
    var area = marker.getAttribute("data-garbage-offline-area");
    registration.then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      if (reg.active) reg.active.postMessage({ type: "keep-area", area: area });
    }).catch(function () { /* offline use is a bonus; the page works without it */ });
  }

  document.addEventListener("htmx:afterSettle", keepArea);
  document.addEventListener("DOMContentLoaded", keepArea);
})();
