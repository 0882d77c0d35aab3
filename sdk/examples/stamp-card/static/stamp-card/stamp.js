// Ask the shell to read the shop's QR code (the camera stays with the shell), then send the text.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-scan]");
    if (!button || !window.machi) { return; }
    var form = button.closest("[data-stamp-form]");
    button.disabled = true;
    window.machi.call("scanQR").then(function (result) {
      form.querySelector('input[name="code"]').value = (result && result.text) || "";
      window.htmx.trigger(form, "submit");
    }).catch(function () {
      // cancelled or not available: nothing to send
    }).finally(function () { button.disabled = false; });
  });
})();
