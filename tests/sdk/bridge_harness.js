// Runs sdk/machi_sdk/static/machi.js against a stand-in window, document and shell, and prints
// what happened as JSON. Driven by test_machi_js.py; Node's EventTarget, CustomEvent and
// MessageChannel play the browser's.
"use strict";
const fs = require("fs");
const vm = require("vm");

const SOURCE = fs.readFileSync(process.argv[2], "utf8");
const SHELL = "http://localhost:8000";
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

// A few elements of a page, enough for the declarative helpers: attributes, parents, closest()
// and querySelectorAll() for simple selectors (tag, [attr], [attr="value"], :not([attr])).
class El extends EventTarget {
  constructor(tag, attrs = {}, children = []) {
    super();
    Object.assign(this, { tagName: tag.toUpperCase(), attrs: { ...attrs }, parent: null, children: [],
      disabled: false, value: "", textContent: "", alt: attrs.alt || "", submitted: 0 });
    children.forEach((child) => this.append(child));
    this.elements = { namedItem: (name) => this.children.find((c) => c.attrs.name === name) || null };
  }
  append(child) { child.parent = this; this.children.push(child); return child; }
  getAttribute(name) { return name in this.attrs ? this.attrs[name] : null; }
  hasAttribute(name) { return name in this.attrs; }
  setAttribute(name, value) { this.attrs[name] = String(value); }
  matches(selectors) { return selectors.split(",").some((one) => matchOne(this, one.trim())); }
  closest(selectors) {
    for (let el = this; el; el = el.parent) if (el.matches(selectors)) return el;
    return null;
  }
  *walk() { yield this; for (const child of this.children) yield* child.walk(); }
  requestSubmit() { this.submitted += 1; }
}

function matchOne(el, selector) {
  const m = /^([a-z]*)((?:\[[^\]]+\])*)(?::not\(\[([a-z-]+)\]\))?$/.exec(selector);
  if (!m) throw new Error("the harness cannot match " + selector);
  if (m[1] && el.tagName !== m[1].toUpperCase()) return false;
  for (const [, name, value] of m[2].matchAll(/\[([a-z-]+)(?:="([^"]*)")?\]/g)) {
    if (!el.hasAttribute(name) || (value !== undefined && el.getAttribute(name) !== value)) return false;
  }
  return !(m[3] && (el.hasAttribute(m[3]) || (m[3] === "src" && el.src)));
}

function load({ framed = true, meta = { "machi-shell": SHELL, "machi-app": "hello" }, page = null } = {}) {
  const posted = [];
  const saved = [];
  const notFramed = { hidden: true };
  const body = new EventTarget();
  body.appendChild = () => {};
  const doc = new EventTarget();
  const html = { lang: "ja", attrs: {}, setAttribute(k, v) { this.attrs[k] = v; } };
  const inPage = (selector) => (page ? [...page.walk()].filter((el) => el.matches(selector)) : []);
  Object.assign(doc, {
    body, documentElement: html, readyState: "complete",
    querySelector(selector) {
      const match = /meta\[name="([^"]+)"\]/.exec(selector);
      const value = match ? meta[match[1]] : undefined;
      return value === undefined ? null : { getAttribute: () => value };
    },
    querySelectorAll: (selector) => (selector.includes("not-framed") ? [notFramed] : inPage(selector)),
    getElementById: (id) => inPage(`[id="${id}"]`)[0] || null,
    createElement(tag) {
      const el = new El(tag);
      el.click = () => saved.push({ name: el.download, href: el.href });
      el.remove = () => {};
      return el;
    },
  });
  const win = new EventTarget();
  win.location = { href: "http://hello.localhost:8000/page?x=1", origin: "http://hello.localhost:8000" };
  win.parent = framed ? { postMessage: (data, origin) => posted.push({ data, origin }) } : win;
  win.crypto = require("crypto").webcrypto;
  globalThis.window = win;
  globalThis.document = doc;
  vm.runInThisContext(SOURCE);
  return { win, doc, body, html, posted, saved, notFramed, machi: win.machi };
}

// An event on `target` as the browser would bubble it to the document, where machi.js listens.
function fire(env, type, target) {
  const event = new Event(type, { cancelable: true });
  Object.defineProperty(event, "target", { value: target });
  env.doc.dispatchEvent(event);
  return event.defaultPrevented;
}

function message(env, { source, origin, data, ports }) {
  const event = new Event("message");
  Object.assign(event, { source, origin, data, ports: ports || [] });
  env.win.dispatchEvent(event);
}

function shellPort() {
  const channel = new MessageChannel();
  const received = [];
  channel.port1.onmessage = (event) => received.push(event.data);
  return { channel, received, port: channel.port1 };
}

async function framed() {
  const out = {};
  const env = load();
  out.hello = env.posted;
  let ready = 0;
  env.body.addEventListener("machi:ready", () => { ready += 1; });

  const evil = shellPort();
  message(env, { source: env.win.parent, origin: "http://evil.localhost:8000",
    data: { machi: 1, type: "welcome", locale: "en" }, ports: [evil.channel.port2] });
  const stranger = shellPort();
  message(env, { source: {}, origin: SHELL,
    data: { machi: 1, type: "welcome", locale: "en" }, ports: [stranger.channel.port2] });
  await tick();
  out.ignored = { evil: evil.received, stranger: stranger.received, locale: env.machi.locale };

  const shell = shellPort();
  message(env, { source: env.win.parent, origin: SHELL,
    data: { machi: 1, type: "welcome", locale: "en", theme: "dark" }, ports: [shell.channel.port2] });
  await tick();
  out.firstRequest = shell.received.shift();
  const expires = Math.floor(Date.now() / 1000) + 300;
  shell.port.postMessage({ id: out.firstRequest.id, result: { token: "T1", expires_at: expires } });
  await tick();
  out.ready = ready;
  out.locale = { machi: env.machi.locale, html: env.html.lang, theme: env.machi.theme, attr: env.html.attrs["data-theme"] };

  const same = { path: "/stamps?page=2", headers: {} };
  const cross = { path: "https://evil.example/steal", headers: {} };
  env.doc.dispatchEvent(new CustomEvent("htmx:configRequest", { detail: same }));
  env.doc.dispatchEvent(new CustomEvent("htmx:configRequest", { detail: cross }));
  out.headers = { same: same.headers, cross: cross.headers };
  out.token = await env.machi.getToken();

  const refusals = {};
  for (const [name, method, params] of [
    ["negative", "pay", { amount: -5, description: "x", reference: "r" }],
    ["fraction", "pay", { amount: 1.5, description: "x", reference: "r" }],
    ["extra", "setTitle", { title: "x", colour: "red" }],
    ["scope", "requestScopes", { scopes: ["profile.my_number"] }],
    ["url", "openExternal", { url: "javascript:alert(1)" }],
    ["unknown", "readMind", {}],
    ["notObject", "close", [1]],
    ["noSentences", "readAloud", { sentences: [] }],
    ["blankSentence", "readAloud", { sentences: ["一つ目。", "  "] }],
    ["longReading", "readAloud", { sentences: ["あ".repeat(1000)].concat(Array(5).fill("い".repeat(1000))) }],
    ["rubyNoTexts", "furigana", { texts: [] }],
    ["rubyTooLong", "furigana", { texts: ["漢".repeat(2001)] }],
  ]) {
    refusals[name] = await env.machi.call(method, params).then(() => "resolved", (e) => e.code);
  }
  await tick();
  out.refusals = refusals;
  out.afterRefusals = shell.received.length;

  const titled = env.machi.call("setTitle", { title: "スタンプ" });
  await tick();
  const setTitle = shell.received.shift();
  shell.port.postMessage({ id: setTitle.id, error: { code: "denied", message: "no" } });
  out.setTitle = { request: setTitle, outcome: await titled.then(() => "resolved", (e) => e.code) };

  const paying = env.machi.call("pay", { amount: 500, description: "コーヒー", reference: "o-1" });
  await tick();
  const pay = shell.received.shift();
  shell.port.postMessage({ id: pay.id, result: { status: "paid" } });
  out.pay = { request: pay, result: await paying };

  const supports = env.machi.supports("scanQR");
  await tick();
  const ask = shell.received.shift();
  shell.port.postMessage({ id: ask.id, result: { supported: true } });
  out.supports = { request: ask, result: await supports };

  const reading = env.machi.call("readAloud", { sentences: ["ごみの日です。", "朝8時までに出してください。"], lang: "ja" });
  await tick();
  const read = shell.received.shift();
  shell.port.postMessage({ id: read.id, result: {} });
  await reading;
  out.readAloud = read;

  const seen = [];
  env.machi.on("locale", (data) => seen.push(data.locale));
  env.machi.on("reading", (data) => seen.push("reading " + data.index));
  env.body.addEventListener("machi:shown", () => seen.push("shown-on-body"));
  shell.port.postMessage({ event: "locale", locale: "ja" });
  shell.port.postMessage({ event: "shown" });
  shell.port.postMessage({ event: "reading", index: 1, state: "reading" });
  shell.port.postMessage({ event: "unheard-of" });
  await tick();
  out.events = { seen, html: env.html.lang };

  const late = shellPort();
  message(env, { source: env.win.parent, origin: SHELL,
    data: { machi: 1, type: "welcome" }, ports: [late.channel.port2] });
  env.machi.call("close", {});
  await tick();
  out.secondWelcome = { late: late.received.length, original: shell.received.map((m) => m.method) };
  out.frozen = (() => { try { window.machi = null; } catch (e) { /* strict */ } return window.machi === env.machi; })();
  return out;
}

async function unframed() {
  const env = load({ framed: false });
  await tick();
  return { posted: env.posted.length, shown: env.notFramed.hidden === false };
}

// Paying, scanning, downloads and images declared in the markup (data-machi-*).
async function declarative() {
  const out = {};
  const payButton = new El("button", { "data-machi-pay": "", "data-amount": "1600",
    "data-description": "手数料", "data-reference": "A-7" });
  const payForm = new El("form", { "data-machi-pay-form": "", action: "/a/A-7/payment" }, [payButton]);
  const code = new El("input", { name: "code" });
  const scanButton = new El("button", { "data-machi-scan": "code" });
  const gate = new El("form", { action: "/gate" }, [new El("input", { name: "direction" }), code, scanButton]);
  const status = new El("p", { id: "saved", role: "status", "data-done": "保存しました。",
    "data-failed": "保存できませんでした。" });
  const permit = new El("a", { href: "/orders/1/permit.pdf", "data-machi-download": "permit-1.pdf",
    "data-machi-status": "saved" });
  const label = new El("span");
  const named = new El("a", { href: "/attachments/3", "data-machi-download": "", "data-machi-status": "saved" }, [label]);
  const missing = new El("a", { href: "/gone", "data-machi-download": "x.pdf", "data-machi-status": "saved" });
  const away = new El("a", { href: "https://evil.example/steal", "data-machi-download": "x.pdf" });
  const month = new El("input", { name: "month" });
  month.value = "2026-11";
  const exportForm = new El("form", { action: "/export", method: "get", "data-machi-download": "",
    "data-machi-status": "saved" }, [month]);
  const photo = new El("img", { "data-machi-src": "/files/7", alt: "通報の写真" });
  const lost = new El("img", { "data-machi-src": "/files/8", alt: "対応後の写真" });
  const page = new El("main", {}, [payForm, gate, status, permit, named, missing, away, exportForm, photo, lost]);

  const fetched = [];
  const files = {
    "/orders/1/permit.pdf": { body: "%PDF-1.4", headers: {} },
    "/attachments/3": { body: "案内", headers: { "Content-Disposition": "attachment; filename*=UTF-8''%E6%A1%88%E5%86%85.pdf" } },
    "/export?month=2026-11": { body: "date", headers: { "Content-Disposition": 'attachment; filename="attendance-3-2026-11.csv"' } },
    "/files/7": { body: "JPEG", headers: {} },
  };
  globalThis.fetch = async (url, init) => {
    fetched.push({ url, authorization: init.headers.Authorization });
    const file = files[url];
    return file ? new Response(file.body, { headers: file.headers }) : new Response("", { status: 404 });
  };
  globalThis.FormData = function (form) {
    return form.children.filter((c) => c.hasAttribute("name")).map((c) => [c.getAttribute("name"), c.value]);
  };

  const env = load({ page });
  const shell = shellPort();
  message(env, { source: env.win.parent, origin: SHELL,
    data: { machi: 1, type: "welcome", locale: "ja" }, ports: [shell.channel.port2] });
  await tick();
  const first = shell.received.shift();
  shell.port.postMessage({ id: first.id, result: { token: "T9", expires_at: Math.floor(Date.now() / 1000) + 300 } });
  await tick();
  await tick();
  out.images = { photo: (photo.src || "").slice(0, 5), lostAlt: lost.alt, photoAlt: photo.alt };

  // paying: disabled while the sheet is open; the form is submitted only once the shell says paid
  fire(env, "click", payButton);
  await tick();
  const pay = shell.received.shift();
  out.payRequest = { method: pay.method, params: pay.params, disabled: payButton.disabled };
  shell.port.postMessage({ id: pay.id, result: { status: "paid" } });
  await tick();
  out.paid = { submitted: payForm.submitted, disabled: payButton.disabled };
  fire(env, "click", payButton);
  await tick();
  const again = shell.received.shift();
  shell.port.postMessage({ id: again.id, error: { code: "cancelled", message: "" } });
  await tick();
  out.cancelled = { submitted: payForm.submitted, disabled: payButton.disabled };

  // scanning: the text read goes into the named field, then the form is submitted
  fire(env, "click", scanButton);
  await tick();
  const scan = shell.received.shift();
  out.scanRequest = { method: scan.method, disabled: scanButton.disabled };
  shell.port.postMessage({ id: scan.id, result: { text: "CHILD-42" } });
  await tick();
  out.scanned = { code: code.value, submitted: gate.submitted, disabled: scanButton.disabled };

  // downloads: fetched with the token, saved under their name, said in the live region
  const saves = [];
  const read = async () => {
    await tick();
    await tick();
    const last = env.saved[env.saved.length - 1];
    const blob = last ? require("buffer").resolveObjectURL(last.href) : null;
    saves.push({ name: last ? last.name : null, body: blob ? await blob.text() : null, status: status.textContent });
    env.saved.length = 0;
  };
  out.prevented = { permit: fire(env, "click", permit) };
  await read();
  status.textContent = "";
  out.prevented.inner = fire(env, "click", label);
  await read();
  status.textContent = "";
  out.prevented.missing = fire(env, "click", missing);
  await read();
  out.prevented.away = fire(env, "click", away);
  await read();
  out.prevented.form = fire(env, "submit", exportForm);
  await read();
  out.saves = saves;
  out.fetched = fetched;
  return out;
}

(async () => {
  const result = { framed: await framed(), unframed: await unframed(), declarative: await declarative() };
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
