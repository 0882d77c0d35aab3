// The offline page: draws the children's records kept on this device (see app.js) and queues
// new measurements in the app's storage; app.js sends them when the network is back.
(function () {
  "use strict";
  var QUEUE = "handbook-queue", KEPT = "handbook-children";
  function read(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }
  function key() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function text(tag, value) { var n = document.createElement(tag); n.textContent = value; return n; }
  function queued(status) {
    status.textContent = status.getAttribute("data-saved-text") + read(QUEUE, []).length;
  }
  function push(entry) {
    var queue = read(QUEUE, []);
    entry.client_key = key();
    queue.push(entry);
    window.localStorage.setItem(QUEUE, JSON.stringify(queue));
  }
  function drawPregnancy(status) {
    var kept = read("handbook-pregnancy", null);
    if (!kept) return false;
    var box = document.querySelector("[data-handbook-offline-pregnancy]");
    var due = box.querySelector("[data-handbook-offline-due]");
    due.textContent = due.getAttribute("data-label") + ": " + kept.due_date;
    var list = box.querySelector("[data-handbook-offline-checkups]");
    (kept.checkups || []).forEach(function (c) {
      list.appendChild(text("li", [c.day, c.week ? c.week + "w" : "", c.weight_kg ? c.weight_kg + " kg" : ""].join("  ")));
    });
    box.hidden = false;
    box.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      push({ type: "pregnancy_checkup", day: form.day.value, week: form.week.value, weight_kg: form.weight_kg.value });
      queued(status);
      form.week.value = "";
      form.weight_kg.value = "";
    });
    return true;
  }
  function draw() {
    var kept = read(KEPT, {}), ids = Object.keys(kept);
    var box = document.querySelector("[data-handbook-offline-children]");
    var status = document.querySelector("[data-handbook-offline-queued]");
    var expecting = drawPregnancy(status);
    if (!ids.length) {
      if (!expecting) document.querySelector("[data-handbook-offline-none]").hidden = false;
      return;
    }
    var select = document.querySelector("[data-handbook-offline-select]");
    ids.forEach(function (id) {
      var child = kept[id];
      var section = document.createElement("section");
      section.className = "card handbook-offline-child";
      section.appendChild(text("h2", child.name + " (" + child.birth_date + ")"));
      var list = document.createElement("ul");
      list.className = "handbook-list";
      (child.records || []).forEach(function (r) {
        var parts = [r.day];
        if (r.height_cm) parts.push(r.height_cm + " cm");
        if (r.weight_kg) parts.push(r.weight_kg + " kg");
        if (r.title) parts.push(r.title);
        list.appendChild(text("li", parts.join("  ")));
      });
      section.appendChild(list);
      box.appendChild(section);
      var option = text("option", child.name);
      option.value = id;
      select.appendChild(option);
    });
    var wrap = document.querySelector("[data-handbook-offline-form]");
    wrap.hidden = false;
    wrap.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var form = event.target;
      push({ child: Number(form.child.value), kind: "measurement", day: form.day.value,
        height_cm: form.height_cm.value, weight_kg: form.weight_kg.value });
      queued(status);
      form.height_cm.value = "";
      form.weight_kg.value = "";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
