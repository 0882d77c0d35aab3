// Draws the card kept on this device (see app.js) on the offline page.
(function () {
  "use strict";
  function draw() {
    var kept = null;
    try { kept = JSON.parse(window.localStorage.getItem("library-card") || "null"); } catch (e) { kept = null; }
    var code = document.querySelector("[data-library-offline-code]");
    var number = document.querySelector("[data-library-offline-number]");
    if (!kept || !kept.number || !/^[01]+$/.test(kept.modules || "")) {
      var none = document.querySelector("[data-library-offline-none]");
      if (none) none.hidden = false;
      return;
    }
    var ns = "http://www.w3.org/2000/svg";
    var quiet = 12, height = 60, bits = kept.modules;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + (bits.length + quiet * 2) + " " + height);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", kept.number);
    svg.setAttribute("class", "library-barcode");
    for (var x = 0; x < bits.length; x++) {
      if (bits[x] !== "1") continue;
      var run = 1;
      while (x + run < bits.length && bits[x + run] === "1") run++;
      var bar = document.createElementNS(ns, "rect");
      bar.setAttribute("x", String(x + quiet));
      bar.setAttribute("y", "0");
      bar.setAttribute("width", String(run));
      bar.setAttribute("height", String(height));
      svg.appendChild(bar);
      x += run - 1;
    }
    code.appendChild(svg);
    number.textContent = kept.number;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
