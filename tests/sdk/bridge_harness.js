// Runs sdk/machi_sdk/static/machi.js against a stand-in window, document and shell, and prints
// what happened as JSON. Driven by test_machi_js.py; Node's EventTarget, CustomEvent and
// MessageChannel play the browser's.
"use strict";
const fs = require("fs");
const vm = require("vm");

const SOURCE = fs.readFileSync(process.argv[2], "utf8");
const SHELL = "http://localhost:8000";
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

function load({ framed = true, meta = { "machi-shell": SHELL, "machi-app": "hello" } } = {}) {
  const posted = [];
  const notFramed = { hidden: true };
  const body = new EventTarget();
  const doc = new EventTarget();
  const html = { lang: "ja", attrs: {}, setAttribute(k, v) { this.attrs[k] = v; } };
  Object.assign(doc, {
    body, documentElement: html, readyState: "complete",
    querySelector(selector) {
      const match = /meta\[name="([^"]+)"\]/.exec(selector);
      const value = match ? meta[match[1]] : undefined;
      return value === undefined ? null : { getAttribute: () => value };
    },
    querySelectorAll: (selector) => (selector.includes("not-framed") ? [notFramed] : []),
  });
  const win = new EventTarget();
  win.location = { href: "http://hello.localhost:8000/page?x=1", origin: "http://hello.localhost:8000" };
  win.parent = framed ? { postMessage: (data, origin) => posted.push({ data, origin }) } : win;
  win.crypto = require("crypto").webcrypto;
  globalThis.window = win;
  globalThis.document = doc;
  vm.runInThisContext(SOURCE);
  return { win, doc, body, html, posted, notFramed, machi: win.machi };
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

(async () => {
  const result = { framed: await framed(), unframed: await unframed() };
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
