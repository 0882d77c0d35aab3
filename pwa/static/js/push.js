// Turning Web Push on and off for this device (the notification settings page).
(function () {
  "use strict";

  function fromBase64Url(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  async function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    });
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function isIOS() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function installed() {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  }

  async function turnOn(root, say) {
    if (!supported()) { say("unsupported"); return; }
    var permission = await Notification.requestPermission();
    if (permission !== "granted") { say("denied"); return; }
    var registration = await navigator.serviceWorker.ready;
    var subscription = await registration.pushManager.getSubscription();
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64Url(root.dataset.vapidKey)
      });
    }
    var response = await post("/notifications/subscriptions", subscription.toJSON());
    if (!response.ok) {
      var data = {};
      try { data = await response.json(); } catch (e) { data = {}; }
      say("failed", data.message);
      return;
    }
    say("on");
  }

  async function turnOff(root, say) {
    if (!supported()) { say("unsupported"); return; }
    var registration = await navigator.serviceWorker.ready;
    var subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      await post("/notifications/subscriptions/delete", { endpoint: subscription.endpoint });
      try { await subscription.unsubscribe(); } catch (e) { /* already gone */ }
    }
    say("off");
  }

  function init() {
    var root = document.getElementById("push");
    if (!root) { return; }
    var status = root.querySelector("[data-push-status]");
    var say = function (key, detail) {
      var name = "msg" + key.charAt(0).toUpperCase() + key.slice(1);
      status.textContent = detail || root.dataset[name] || key;
    };
    if (isIOS() && !installed()) {
      root.querySelector("[data-push-ios]").hidden = false;
    }
    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-push]");
      if (!button) { return; }
      button.disabled = true;
      var work = button.dataset.push === "on" ? turnOn(root, say) : turnOff(root, say);
      work.catch(function () { say("failed"); }).finally(function () { button.disabled = false; });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
