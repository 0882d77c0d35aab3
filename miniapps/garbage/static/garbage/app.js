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
