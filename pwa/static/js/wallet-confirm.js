// Payments at or above the city's threshold: ask the resident's passkey for a challenge bound to
// this very payment, then send the form with the assertion. Below it the form goes as it is.
(() => {
  "use strict";
  const form = document.querySelector("form[data-wallet-pay]");
  if (!form) return;
  const error = form.querySelector("[data-testid=pay-error]");
  let confirmed = false;
  const toYen = (text) => Number(String(text).replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[,，円¥\s]/g, ""));

  form.addEventListener("submit", async (event) => {
    if (confirmed) return;
    const amount = toYen(form.elements.amount.value);
    if (!(amount >= Number(form.dataset.threshold)) || !window.SimpleWebAuthnBrowser) return;
    event.preventDefault();
    const token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
    const body = new URLSearchParams({ qr_text: form.elements.qr_text.value, amount: String(amount), key: form.elements.key.value });
    try {
      const response = await fetch("/wallet/pay/options", { method: "POST", credentials: "same-origin", body, headers: { "X-CSRFToken": token, "Accept": "application/json" } });
      const data = await response.json();
      if (!response.ok) { error.textContent = data.error || ""; return; }
      const credential = await window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: JSON.parse(data.options) });
      form.elements.passkey.value = JSON.stringify(credential);
      confirmed = true;
      form.submit();
    } catch (e) {
      error.textContent = form.dataset.msgCancelled || String(e);
    }
  });
})();
