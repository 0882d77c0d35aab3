/* The counter's scanner: a resident's request QR holds the URL of a single-use request. */
"use strict";
(function () {
  const status = document.getElementById("scan-status");
  const prefix = "/staff/resident-id/requests/";

  function open(text) {
    let url;
    try {
      url = new URL(text, window.location.origin);
    } catch (error) {
      return false;
    }
    if (url.origin !== window.location.origin || !url.pathname.startsWith(prefix)) {
      status.textContent = status.dataset.noqr;
      return false;
    }
    window.location.assign(url.pathname);
    return true;
  }

  document.getElementById("scan-file").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) {
      return;
    }
    const text = await window.MachiQR.fromFile(file).catch(() => null);
    if (!text || !open(text)) {
      status.textContent = status.dataset.noqr;
    }
  });

  document.getElementById("scan-camera").addEventListener("click", async () => {
    try {
      await window.MachiQR.startCamera(document.getElementById("scan-video"), async (text) => open(text));
    } catch (error) {
      status.textContent = status.dataset.camera;
    }
  });
})();
