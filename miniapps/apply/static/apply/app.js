// The applications and reports app's own script. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // The stylesheet: pages arrive as htmx fragments (without their <head>), so add it once.
  if (!document.querySelector('link[href="/static/apply/apply.css"]')) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = "/static/apply/apply.css";
    document.head.appendChild(sheet);
  }

  // Conditional sections: a field marked data-when-field/-equals shows only while that choice
  // is picked. Hidden fields are disabled, so they are not sent (the server ignores them too).
  function applyConditions(root) {
    (root || document).querySelectorAll("form[data-apply-form]").forEach(function (form) {
      form.querySelectorAll("[data-when-field]").forEach(function (box) {
        var name = box.getAttribute("data-when-field");
        var picked = form.querySelector('input[name="' + name + '"]:checked');
        var on = !!picked && picked.value === box.getAttribute("data-when-equals");
        box.hidden = !on;
        box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("form[data-apply-form]")) applyConditions();
  });

  // Files behind the launch token (photos, PDFs): fetched with the token, shown or saved.
  function withToken(url) {
    return window.machi.getToken().then(function (token) {
      return fetch(url, { headers: { Authorization: "Bearer " + token } });
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.blob();
    });
  }
  function loadImages() {
    if (!window.machi) return;
    document.querySelectorAll("img[data-apply-src]:not([src])").forEach(function (img) {
      withToken(img.getAttribute("data-apply-src")).then(function (blob) {
        img.src = URL.createObjectURL(blob);
      }).catch(function () { img.alt = img.alt + " ×"; });
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-apply-download]");
    if (!link || !window.machi) return;
    event.preventDefault();
    var status = document.getElementById("apply-download-status");
    withToken(link.getAttribute("href")).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var save = document.createElement("a");
      save.href = url;
      save.download = link.getAttribute("data-apply-download");
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      if (status) status.textContent = link.getAttribute("data-apply-done") || "";
    }).catch(function () {
      if (status) status.textContent = link.getAttribute("data-apply-failed") || "";
    });
  });

  // Paying a fee: the shell draws the confirmation sheet (machi.pay); afterwards the app asks
  // the shell itself, server to server, whether it is paid. The page is never believed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-apply-pay]");
    if (!button || !window.machi) return;
    button.disabled = true;
    window.machi.call("pay", {
      amount: parseInt(button.getAttribute("data-amount"), 10),
      description: button.getAttribute("data-description"),
      reference: button.getAttribute("data-reference")
    }).then(function () {
      window.htmx.trigger(button.closest("[data-apply-pay-form]"), "submit");
    }).catch(function () {
      // cancelled or not paid: the application stays payable here
    }).finally(function () { button.disabled = false; });
  });

  // The place of a report from the phone's location (only with the "location" scope granted).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-apply-locate]");
    if (!button) return;
    var form = button.closest("form");
    var status = document.getElementById("apply-locate-status");
    if (!navigator.geolocation) {
      if (status) status.textContent = button.getAttribute("data-failed");
      return;
    }
    navigator.geolocation.getCurrentPosition(function (position) {
      var lat = position.coords.latitude.toFixed(6);
      var lon = position.coords.longitude.toFixed(6);
      form.querySelector("[data-apply-lat]").value = lat;
      form.querySelector("[data-apply-lon]").value = lon;
      if (status) status.textContent = button.getAttribute("data-located") + " (" + lat + ", " + lon + ")";
      var near = document.getElementById("apply-near");
      if (near && window.htmx) {
        window.htmx.ajax("GET", "/reports?lat=" + lat + "&lon=" + lon, { target: "#apply-near", swap: "innerHTML" });
      }
    }, function () {
      if (status) status.textContent = button.getAttribute("data-failed");
    }, { enableHighAccuracy: true, timeout: 10000 });
  });

  function settle() { applyConditions(); loadImages(); }
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("DOMContentLoaded", settle);
  document.addEventListener("machi:ready", loadImages);
})();
