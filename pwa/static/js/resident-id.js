/* The resident ID card on the device.
 *
 * The device makes a P-256 key pair in WebCrypto (the private key non-extractable), asks the city
 * for an SD-JWT bound to its public key, and keeps both in IndexedDB, so the card works offline.
 * The QR is the chosen disclosures plus a key-binding JWT signed over the current time: verifiers
 * refuse one older than a minute, so it is made again every 20 seconds.
 */
"use strict";
(function () {
  const card = document.getElementById("id-card");
  if (!card) {
    return;
  }
  const DB = "machi-resident-id";
  const STORE = "card";
  const KEY = "current";
  const REFRESH_SECONDS = 20;
  const RENEW_BEFORE_SECONDS = 7 * 86400;
  const encoder = new TextEncoder();

  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async function store(mode, action) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const tx = database.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
    });
  }

  const load = () => store("readonly", (s) => s.get(KEY));
  const save = (value) => store("readwrite", (s) => s.put(value, KEY));
  const forget = () => store("readwrite", (s) => s.delete(KEY));

  function b64u(bytes) {
    let text = "";
    bytes.forEach((b) => (text += String.fromCharCode(b)));
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function b64uDecode(text) {
    const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  const b64uJson = (value) => b64u(encoder.encode(JSON.stringify(value)));

  async function sha256(text) {
    return b64u(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
  }

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function thumbprint(jwk) {
    return sha256(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
  }

  async function issue(accountId, kid) {
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ]);
    const full = await crypto.subtle.exportKey("jwk", keys.publicKey);
    const jwk = { kty: full.kty, crv: full.crv, x: full.x, y: full.y };
    const response = await fetch("/id/credential", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ jwk }),
    });
    if (!response.ok) {
      throw new Error("issue failed: " + response.status);
    }
    const body = await response.json();
    const card = { accountId, kid, credential: body.credential, exp: body.exp, jwk,
                   thumbprint: await thumbprint(jwk), privateKey: keys.privateKey };
    await save(card);
    return card;
  }

  /* The stored credential when it still serves this account; a new one when online and needed. */
  async function credential() {
    const accountId = card.dataset.account;
    if (card.dataset.verified !== "1") {
      await forget();
      return null;
    }
    let stored = await load().catch(() => null);
    if (stored && stored.accountId !== accountId) {
      await forget();
      stored = null;
    }
    const now = Date.now() / 1000;
    // Online, the page lists the credentials the city holds live: a revoked or replaced one is
    // issued again (the signed-in resident holds this device).
    const live = (card.dataset.live || "").split(" ");
    const good = stored && stored.kid === card.dataset.kid && live.includes(stored.thumbprint) &&
      stored.exp - now > RENEW_BEFORE_SECONDS;
    if (good || !navigator.onLine) {
      return stored && stored.exp > now ? stored : null;
    }
    try {
      return await issue(accountId, card.dataset.kid);
    } catch (error) {
      return stored && stored.exp > now ? stored : null; // offline after all: keep what we have
    }
  }

  function disclosures(sdJwt) {
    const found = {};
    sdJwt.split("~").slice(1).filter(Boolean).forEach((d) => {
      const content = JSON.parse(new TextDecoder().decode(b64uDecode(d)));
      found[content[1]] = d;
    });
    return found;
  }

  async function present(stored, names) {
    const all = disclosures(stored.credential);
    const jwt = stored.credential.split("~")[0];
    const chosen = names.filter((name) => all[name]).map((name) => all[name]);
    const body = [jwt, ...chosen].join("~") + "~";
    const header = b64uJson({ alg: "ES256", typ: "kb+jwt" });
    const payload = b64uJson({
      iat: Math.floor(Date.now() / 1000),
      aud: "machi:verify",
      nonce: b64u(crypto.getRandomValues(new Uint8Array(12))),
      sd_hash: await sha256(body),
    });
    const input = header + "." + payload;
    const signature = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" }, stored.privateKey, encoder.encode(input)
    );
    return body + input + "." + b64u(new Uint8Array(signature));
  }

  function draw(canvas, text) {
    const qr = window.qrcode(0, "L");
    qr.addData(text, "Byte");
    qr.make();
    const count = qr.getModuleCount();
    const cell = 6;
    const margin = 4 * cell;
    canvas.width = canvas.height = count * cell + margin * 2;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.fillStyle = "#000";
    for (let row = 0; row < count; row++) {
      for (let col = 0; col < count; col++) {
        if (qr.isDark(row, col)) {
          context.fillRect(margin + col * cell, margin + row * cell, cell, cell);
        }
      }
    }
  }

  const messages = JSON.parse(document.getElementById("id-messages").textContent);
  const canvas = document.getElementById("id-qr");
  const status = document.getElementById("id-qr-status");
  let stored = null;
  let timer = null;

  async function show() {
    const picked = document.querySelector('input[name="disclose"]:checked');
    if (!stored || !picked) {
      return;
    }
    const names = (picked.dataset.claims || "").split(" ").filter(Boolean);
    const text = await present(stored, names);
    draw(canvas, text);
    canvas.dataset.presentation = text;
    canvas.hidden = false;
    const time = new Date().toLocaleTimeString(document.documentElement.lang || "ja");
    status.textContent = messages.made.replace("%(time)s", time) +
      (navigator.onLine ? "" : " " + messages.offline);
    clearTimeout(timer);
    timer = setTimeout(show, REFRESH_SECONDS * 1000);
  }

  document.querySelectorAll('input[name="disclose"]').forEach((input) =>
    input.addEventListener("change", () => show().catch(() => (status.textContent = messages.failed)))
  );

  // Keep the screen on while the QR is shown (a dimmed screen is hard to scan); best effort.
  async function keepScreenOn() {
    try {
      if ("wakeLock" in navigator && document.visibilityState === "visible") {
        await navigator.wakeLock.request("screen");
      }
    } catch (error) {
      // not allowed here (battery saver, no user gesture yet): the QR still works
    }
  }
  document.addEventListener("visibilitychange", () => {
    if (stored && document.visibilityState === "visible") {
      keepScreenOn();
      show().catch(() => undefined); // a fresh proof after coming back to the app
    }
  });

  (async () => {
    try {
      stored = await credential();
    } catch (error) {
      stored = null;
    }
    if (!stored) {
      if (card.dataset.verified === "1") {
        status.textContent = navigator.onLine ? messages.failed : messages.none;
      }
      return;
    }
    await show();
    keepScreenOn();
  })().catch(() => (status.textContent = messages.failed));
})();
