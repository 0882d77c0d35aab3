// The school app's own script: a conversation that keeps listening (the gate's QR scan, files and
// the month's CSV are machi.js's data-machi-scan and data-machi-download).
(function () {
  "use strict";
  // A conversation's listener that failed (network, a renewed token): try again shortly.
  document.addEventListener("htmx:afterRequest", function (event) {
    var element = event.detail && event.detail.elt;
    if (!element || !element.classList || !element.classList.contains("school-poll")) { return; }
    if (event.detail.successful) { return; }
    setTimeout(function () {
      if (document.body.contains(element)) { window.htmx.trigger(element, "school-retry"); }
    }, 3000);
  });
})();
