// The library app's own script: the card kept for use without network, and "my library" polling.
(function () {
  "use strict";
  // The card for use without network: the SDK's service worker keeps the offline page (nothing
  // personal; the card is marked data-machi-keep-offline); the card's barcode and number are kept
  // here, in this app's own storage on the device.
  function keepCard() {
    var card = document.querySelector("[data-library-card]");
    if (!card) return;
    try {
      var code = card.querySelector("[data-library-card-code] svg");
      window.localStorage.setItem("library-card", JSON.stringify({
        number: card.getAttribute("data-library-card"),
        modules: code ? code.getAttribute("data-modules") : ""
      }));
    } catch (error) { return; }
  }

  // "My library" refreshes the holds while it is on screen (a hold may become ready).
  setInterval(function () {
    var live = document.querySelector("[data-library-poll]");
    if (live && document.visibilityState === "visible" && window.htmx) {
      window.htmx.trigger(live, "library:poll");
    }
  }, 10000);

  document.addEventListener("htmx:afterSettle", keepCard);
  document.addEventListener("DOMContentLoaded", keepCard);
})();
