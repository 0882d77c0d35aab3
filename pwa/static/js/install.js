// The install page: offer Chrome's install prompt with a real button when the browser allows
// it (beforeinstallprompt), and say so when the app is already installed. The written
// instructions on the page work without this script.
(function () {
  "use strict";
  var deferred = null;

  function $(selector) {
    return document.querySelector(selector);
  }

  function announce(text) {
    var status = $("[data-install-status]");
    if (status && text) {
      status.textContent = text;
    }
  }

  function message(key) {
    var box = $("[data-install-messages]");
    return (box && box.dataset[key]) || "";
  }

  function showButton(show) {
    var area = $("[data-install-prompt]");
    if (area) {
      area.hidden = !show;
    }
  }

  function installed() {
    return (
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) ||
      window.navigator.standalone === true
    );
  }

  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault(); // keep the mini-infobar away; our button asks instead
    deferred = event;
    showButton(true);
  });

  window.addEventListener("appinstalled", function () {
    deferred = null;
    showButton(false);
    announce(message("installed"));
  });

  function ready() {
    if (installed()) {
      announce(message("already"));
    }
    var button = $("[data-install-button]");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      if (!deferred) {
        showButton(false);
        return;
      }
      var prompt = deferred;
      deferred = null;
      prompt.prompt();
      prompt.userChoice.then(function (choice) {
        showButton(false);
        announce(message(choice && choice.outcome === "accepted" ? "installed" : "dismissed"));
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
