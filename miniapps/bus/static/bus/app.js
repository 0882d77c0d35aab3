// The bus app's own script: its stylesheet for htmx-swapped pages, and paying the fare
// through the shell's sheet (machi.pay); afterwards the app asks the shell whether it is paid.
(function () {
  "use strict";
  if (!document.querySelector('link[href="/static/bus/bus.css"]')) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = "/static/bus/bus.css";
    document.head.appendChild(sheet);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest || !window.machi) return;
    var pay = target.closest("[data-bus-pay]");
    if (!pay) return;
    pay.disabled = true;
    window.machi.call("pay", {
      amount: parseInt(pay.getAttribute("data-amount"), 10),
      description: pay.getAttribute("data-description"),
      reference: pay.getAttribute("data-reference")
    }).then(function () {
      window.htmx.trigger(pay.closest("[data-bus-pay-form]"), "submit");
    }).catch(function () {
      // cancelled or not paid: the ride stays payable here (or on board)
    }).finally(function () { pay.disabled = false; });
  });
})();
