// The applications and reports app's own script: conditional sections of a form and the place of a
// report (paying, files and photos behind the token are machi.js's data-machi-*). No inline
// scripts (the CSP forbids them).
(function () {
  "use strict";

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

  // The place of a report tapped on the city map (apply/mapview.py: Web Mercator at the map's
  // zoom; data-left/top are the map's top-left pixel). Arrow keys move the mark, Enter keeps it.
  var TILE = 256;
  function placeAt(svg, x, y) {
    var zoom = Number(svg.getAttribute("data-zoom"));
    var scale = TILE * Math.pow(2, zoom);
    var px = x + Number(svg.getAttribute("data-left"));
    var py = y + Number(svg.getAttribute("data-top"));
    var lon = px / scale * 360 - 180;
    var lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * py / scale))) * 180 / Math.PI;
    return [lat.toFixed(6), lon.toFixed(6)];
  }
  function choose(svg, x, y) {
    var box = svg.viewBox.baseVal;
    // to a tenth of a map pixel, so that the mark and the place kept are the same point
    x = Math.round(Math.max(0, Math.min(box.width, x)) * 10) / 10;
    y = Math.round(Math.max(0, Math.min(box.height, y)) * 10) / 10;
    var marker = svg.querySelector("[data-apply-marker]");
    marker.setAttribute("transform", "translate(" + x + " " + y + ")");
    marker.classList.remove("apply-map__marker--none");
    var place = placeAt(svg, x, y);
    var form = svg.closest("form");
    form.querySelector("[data-apply-map-lat]").value = place[0];
    form.querySelector("[data-apply-map-lon]").value = place[1];
    var status = document.getElementById("apply-map-status");
    if (status) status.textContent = status.getAttribute("data-chosen") + " (" + place[0] + ", " + place[1] + ")";
  }
  function marked(svg) {
    var marker = svg.querySelector("[data-apply-marker]");
    var box = svg.viewBox.baseVal;
    if (marker.classList.contains("apply-map__marker--none")) return [box.width / 2, box.height / 2];
    var m = marker.transform.baseVal.consolidate();
    return m ? [m.matrix.e, m.matrix.f] : [box.width / 2, box.height / 2];
  }
  document.addEventListener("click", function (event) {
    var svg = event.target.closest && event.target.closest("[data-apply-map]");
    if (!svg) return;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var inside = point.matrixTransform(svg.getScreenCTM().inverse());
    choose(svg, inside.x, inside.y);
  });
  document.addEventListener("keydown", function (event) {
    var svg = event.target.closest && event.target.closest("[data-apply-map]");
    if (!svg) return;
    var step = event.shiftKey ? 20 : 5;
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    var at = marked(svg);
    if (moves[event.key]) {
      event.preventDefault();
      choose(svg, at[0] + moves[event.key][0], at[1] + moves[event.key][1]);
    } else if (event.key === "Enter") {
      event.preventDefault(); // keep the place; do not send the form from the map
      choose(svg, at[0], at[1]);
    }
  });

  document.addEventListener("htmx:afterSettle", function () { applyConditions(); });
  document.addEventListener("DOMContentLoaded", function () { applyConditions(); });
})();
