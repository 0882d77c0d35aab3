// The booking app's own script: its stylesheet for htmx-swapped pages, paying through the shell's
// sheet (machi.pay), downloading the permit PDF and calendar file with the launch token, and
// reading a permit QR with the shell's scanner (machi.scanQR).
(function () {
  "use strict";
  if (!document.querySelector('link[href="/static/booking/booking.css"]')) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = "/static/booking/booking.css";
    document.head.appendChild(sheet);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest || !window.machi) return;

    // Pay: the shell draws the confirmation sheet; afterwards the app asks the shell itself,
    // server to server, whether the booking is paid.
    var pay = target.closest("[data-booking-pay]");
    if (pay) {
      pay.disabled = true;
      window.machi.call("pay", {
        amount: parseInt(pay.getAttribute("data-amount"), 10),
        description: pay.getAttribute("data-description"),
        reference: pay.getAttribute("data-reference")
      }).then(function () {
        window.htmx.trigger(pay.closest("[data-booking-pay-form]"), "submit");
      }).catch(function () {
        // cancelled or not paid: the booking stays payable here
      }).finally(function () { pay.disabled = false; });
      return;
    }

    // Downloads: links carry no token (it travels in a header), so fetch with it.
    var link = target.closest("a[data-booking-download]");
    if (link) {
      event.preventDefault();
      var status = document.getElementById("booking-download-status");
      window.machi.getToken().then(function (token) {
        return fetch(link.getAttribute("href"), { headers: { Authorization: "Bearer " + token } });
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.blob();
      }).then(function (blob) {
        var url = URL.createObjectURL(blob);
        var save = document.createElement("a");
        save.href = url;
        save.download = link.getAttribute("data-booking-download");
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        if (status) status.textContent = status.getAttribute("data-done") || "";
      }).catch(function () {
        if (status) status.textContent = status.getAttribute("data-failed") || "";
      });
      return;
    }

    // Staff: scan a permit QR with the shell's scanner, then check it in.
    var scan = target.closest("[data-booking-scan]");
    if (scan) {
      window.machi.call("scanQR").then(function (result) {
        var form = scan.closest("[data-booking-scan-form]");
        form.querySelector("input[name=qr]").value = (result && result.text) || "";
        window.htmx.trigger(form, "submit");
      }).catch(function () { /* cancelled: type the code instead */ });
    }
  });
})();
