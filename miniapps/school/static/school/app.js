// The school app's scripts: its stylesheet, the gate's QR scan (the shell's camera), files and
// the month's CSV fetched with the launch token, and a conversation that keeps listening.
(function () {
  "use strict";
  if (!document.querySelector('link[href="/static/school/school.css"]')) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = "/static/school/school.css";
    document.head.appendChild(sheet);
  }

  // Ask the shell to read the child's QR code at the gate, then submit the gate form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-school-scan]");
    if (!button || !window.machi) { return; }
    var form = button.closest("[data-school-gate]");
    button.disabled = true;
    window.machi.call("scanQR").then(function (result) {
      form.querySelector('input[name="code"]').value = (result && result.text) || "";
      if (form.requestSubmit) { form.requestSubmit(); } else { window.htmx.trigger(form, "submit"); }
    }).catch(function () {
      // cancelled or not available: the code can be typed instead
    }).finally(function () { button.disabled = false; });
  });

  async function download(url, name, status) {
    try {
      var token = await window.machi.getToken();
      var response = await fetch(url, { headers: { Authorization: "Bearer " + token } });
      if (!response.ok) { throw new Error(String(response.status)); }
      var href = URL.createObjectURL(await response.blob());
      var save = document.createElement("a");
      save.href = href;
      save.download = name;
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(function () { URL.revokeObjectURL(href); }, 10000);
      if (status) { status.textContent = ""; }
    } catch (error) {
      if (status) { status.textContent = status.dataset.failed || ""; }
    }
  }

  // Attachments: the links carry no token (it travels in a header), so fetch them with it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-school-file]");
    if (!link || !window.machi) { return; }
    event.preventDefault();
    download(link.getAttribute("href"), link.dataset.schoolFile,
             document.getElementById("school-file-status"));
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-school-export]");
    if (!form || !window.machi) { return; }
    event.preventDefault();
    event.stopPropagation();
    var month = form.querySelector('input[name="month"]').value;
    download(form.getAttribute("action") + "?month=" + encodeURIComponent(month),
             "attendance-" + month + ".csv", document.getElementById("school-export-status"));
  }, true);

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
