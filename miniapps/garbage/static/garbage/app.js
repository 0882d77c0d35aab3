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

// Paying a large-item fee: the shell draws the confirmation sheet (machi.pay); afterwards the
// app asks the shell itself, server to server, whether the fee is paid.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-garbage-pay]");
    if (!button || !window.machi) return;
    button.disabled = true;
    window.machi.call("pay", {
      amount: parseInt(button.getAttribute("data-amount"), 10),
      description: button.getAttribute("data-description"),
      reference: button.getAttribute("data-reference")
    }).then(function () {
      window.htmx.trigger(button.closest("[data-garbage-pay-form]"), "submit");
    }).catch(function () {
      // cancelled, or not paid: the request stays payable here or at collection
    }).finally(function () { button.disabled = false; });
  });
})();
