/* The verifier: checks a resident ID presentation in the browser, offline once synced.
 *
 * The same rules as shell/resident_id/sdjwt.py: the city's EdDSA signature (keys from the JWKS),
 * issuer and lifetime, each disclosure's digest, the device's ES256 key-binding JWT over the
 * presentation made less than a minute ago and not seen before, and the credential's bit in the
 * city's signed status list. Keys and list are kept in localStorage and refreshed when online.
 */
"use strict";
(function () {
  const root = document.getElementById("verifier");
  if (!root) {
    return;
  }
  const CACHE = "machi-verify-cache";
  const SEEN = "machi-verify-seen";
  const MAX_AGE = 60;
  const SKEW = 10;
  const VCT = "urn:machi:resident-id:1";
  const encoder = new TextEncoder();
  const messages = JSON.parse(document.getElementById("verify-messages").textContent);
  const result = document.getElementById("verify-result");
  const sync = document.getElementById("verify-sync");

  class Invalid extends Error {}
  const fail = (reason) => {
    throw new Invalid(reason);
  };

  function b64uDecode(text) {
    if (typeof text !== "string" || /[^A-Za-z0-9_-]/.test(text)) {
      fail("malformed");
    }
    try {
      const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
      return Uint8Array.from(raw, (c) => c.charCodeAt(0));
    } catch (error) {
      return fail("malformed");
    }
  }

  function b64u(bytes) {
    let text = "";
    bytes.forEach((b) => (text += String.fromCharCode(b)));
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function json(text) {
    try {
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b64uDecode(text)));
    } catch (error) {
      if (error instanceof Invalid) {
        throw error;
      }
      return fail("malformed");
    }
  }

  async function sha256(text) {
    return b64u(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
  }

  function splitJwt(token) {
    const parts = token.split(".");
    if (parts.length !== 3) {
      fail("malformed");
    }
    const header = json(parts[0]);
    const payload = json(parts[1]);
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object") {
      fail("malformed");
    }
    return { header, payload, input: encoder.encode(parts[0] + "." + parts[1]), signature: b64uDecode(parts[2]) };
  }

  /* WebCrypto's Ed25519 where the browser has it; else noble-ed25519 (pinned, vendored). */
  async function ed25519Verify(x, signature, data) {
    let key = null;
    try {
      key = await crypto.subtle.importKey(
        "jwk", { kty: "OKP", crv: "Ed25519", x }, { name: "Ed25519" }, false, ["verify"]
      );
    } catch (error) {
      key = null;
    }
    if (key) {
      return crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
    }
    const noble = await import("/static/vendor/noble-ed25519.js");
    try {
      return await noble.verifyAsync(signature, data, b64uDecode(x), { zip215: false });
    } catch (error) {
      return false;
    }
  }

  async function verifyEdDSA(token, jwks, typ) {
    const jwt = splitJwt(token);
    if (jwt.header.alg !== "EdDSA" || jwt.header.typ !== typ) {
      fail("malformed");
    }
    const jwk = (jwks.keys || []).find((k) => k.kid === jwt.header.kid && k.crv === "Ed25519");
    if (!jwk) {
      fail("unknown_key");
    }
    if (!(await ed25519Verify(jwk.x, jwt.signature, jwt.input))) {
      fail("bad_signature");
    }
    return jwt.payload;
  }

  async function inflate(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function readStatus(token, jwks) {
    const payload = await verifyEdDSA(token, jwks, "statuslist+jwt");
    if (!payload.status_list || payload.status_list.bits !== 1) {
      fail("bad_status");
    }
    return { uri: payload.sub, issuedAt: payload.iat, bits: await inflate(b64uDecode(payload.status_list.lst)) };
  }

  function seenBefore(nonce, now) {
    let seen = {};
    try {
      seen = JSON.parse(localStorage.getItem(SEEN) || "{}");
    } catch (error) {
      seen = {};
    }
    for (const [key, at] of Object.entries(seen)) {
      if (now - at > MAX_AGE + SKEW) {
        delete seen[key];
      }
    }
    const replayed = nonce in seen;
    if (!replayed) {
      seen[nonce] = now;
    }
    localStorage.setItem(SEEN, JSON.stringify(seen));
    return replayed;
  }

  async function verify(presentation, cache) {
    const now = Math.floor(Date.now() / 1000);
    if (!cache || !cache.jwks) {
      fail("no_keys");
    }
    if (typeof presentation !== "string" || !presentation.includes("~") || presentation.length > 8000) {
      fail("malformed");
    }
    const parts = presentation.split("~");
    const kb = parts[parts.length - 1];
    const disclosures = parts.slice(1, -1);
    const payload = await verifyEdDSA(parts[0], cache.jwks, "dc+sd-jwt");
    if (payload.iss !== root.dataset.issuer) {
      fail("wrong_issuer");
    }
    if (payload.vct !== VCT || payload._sd_alg !== "sha-256" || !Array.isArray(payload._sd)) {
      fail("malformed");
    }
    if (!(payload.exp > now)) {
      fail("expired");
    }
    if (payload.iat > now + SKEW) {
      fail("not_yet_valid");
    }
    const claims = {};
    for (const disclosure of disclosures) {
      if (!payload._sd.includes(await sha256(disclosure))) {
        fail("bad_disclosure");
      }
      const content = json(disclosure);
      if (!Array.isArray(content) || content.length !== 3 || typeof content[1] !== "string" ||
          content[1] in claims || content[1] in payload || content[1] === "_sd" || content[1] === "...") {
        fail("bad_disclosure");
      }
      claims[content[1]] = content[2];
    }
    if (!kb) {
      fail("no_key_binding");
    }
    const binding = splitJwt(kb);
    if (binding.header.alg !== "ES256" || binding.header.typ !== "kb+jwt") {
      fail("bad_key_binding");
    }
    const cnf = payload.cnf && payload.cnf.jwk;
    if (!cnf || cnf.kty !== "EC" || cnf.crv !== "P-256") {
      fail("malformed");
    }
    let deviceKey;
    try {
      deviceKey = await crypto.subtle.importKey(
        "jwk", { kty: "EC", crv: "P-256", x: cnf.x, y: cnf.y }, { name: "ECDSA", namedCurve: "P-256" },
        false, ["verify"]
      );
    } catch (error) {
      fail("bad_key_binding");
    }
    const signed = binding.signature.length === 64 && (await crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" }, deviceKey, binding.signature, binding.input
    ));
    if (!signed) {
      fail("bad_key_binding");
    }
    const body = presentation.slice(0, presentation.length - kb.length);
    if (binding.payload.sd_hash !== (await sha256(body)) || binding.payload.aud !== "machi:verify") {
      fail("bad_key_binding");
    }
    const proofAt = binding.payload.iat;
    if (typeof proofAt !== "number" || typeof binding.payload.nonce !== "string") {
      fail("bad_key_binding");
    }
    if (proofAt > now + SKEW || now - proofAt > MAX_AGE) {
      fail("stale_proof");
    }
    if (!cache.status) {
      fail("bad_status");
    }
    const status = await readStatus(cache.status, cache.jwks);
    const ref = payload.status && payload.status.status_list;
    if (!ref || ref.uri !== status.uri || !Number.isInteger(ref.idx) || ref.idx < 0 ||
        (ref.idx >> 3) >= status.bits.length) {
      fail("bad_status");
    }
    if ((status.bits[ref.idx >> 3] >> (ref.idx & 7)) & 1) {
      fail("revoked");
    }
    if (seenBefore(binding.payload.nonce, now)) {
      fail("replayed");
    }
    return { claims, age: Math.max(0, now - proofAt) };
  }

  function loadCache() {
    try {
      return JSON.parse(localStorage.getItem(CACHE) || "null");
    } catch (error) {
      return null;
    }
  }

  function showSync(cache) {
    if (!cache) {
      sync.textContent = messages.never;
      return;
    }
    const time = new Date(cache.syncedAt).toLocaleString(document.documentElement.lang || "ja");
    sync.textContent = messages.synced.replace("%(time)s", time) +
      (navigator.onLine ? "" : " — " + messages.offline);
    sync.dataset.synced = "1";
    sync.dataset.syncedAt = String(cache.syncedAt);
  }

  async function refresh() {
    try {
      const [jwks, status] = await Promise.all([
        fetch(root.dataset.jwks, { cache: "no-store" }).then((r) => (r.ok ? r.json() : Promise.reject(r))),
        fetch(root.dataset.status, { cache: "no-store" }).then((r) => (r.ok ? r.text() : Promise.reject(r))),
      ]);
      await readStatus(status, jwks); // never cache a list the city did not sign
      const cache = { jwks, status, syncedAt: Date.now() };
      localStorage.setItem(CACHE, JSON.stringify(cache));
      showSync(cache);
    } catch (error) {
      showSync(loadCache());
    }
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function render(ok, detail) {
    result.replaceChildren();
    result.className = "verdict " + (ok ? "verdict--ok" : "verdict--bad");
    result.dataset.outcome = ok ? "ok" : "bad";
    result.appendChild(element("h2", (ok ? "✔ " : "✖ ") + (ok ? messages.ok : messages.bad)));
    if (ok) {
      const list = element("dl");
      for (const [name, value] of Object.entries(detail.claims)) {
        if (name === "photo") {
          continue; // shown large, first, below
        }
        list.appendChild(element("dt", messages.claims[name] || name));
        list.appendChild(element("dd", value === true ? messages.yes : String(value)));
      }
      const photo = detail.claims.photo;
      if (typeof photo === "string" && /^[A-Za-z0-9_-]+$/.test(photo)) {
        // The city's grey thumbnail of the counter photo, a few hundred bytes of WebP.
        const image = document.createElement("img");
        image.className = "verdict__photo";
        image.setAttribute("data-testid", "verify-photo");
        image.alt = messages.photo_alt;
        image.src = "data:image/webp;base64," + photo.replace(/-/g, "+").replace(/_/g, "/");
        result.appendChild(image);
      }
      result.appendChild(list);
      result.appendChild(element("p", messages.age.replace("%(seconds)s", String(detail.age))));
    } else {
      const reason = element("p", messages.reasons[detail] || messages.reasons.malformed);
      reason.dataset.reason = detail;
      result.appendChild(reason);
    }
    result.hidden = false;
    result.scrollIntoView({ block: "nearest" });
  }

  async function check(text) {
    try {
      render(true, await verify(text, loadCache()));
    } catch (error) {
      render(false, error instanceof Invalid ? error.message : "malformed");
    }
    return true;
  }

  document.getElementById("scan-file").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) {
      return;
    }
    const text = await window.MachiQR.fromFile(file).catch(() => null);
    if (text) {
      await check(text);
    } else {
      sync.textContent = messages.noqr;
    }
    event.target.value = "";
  });

  document.getElementById("scan-camera").addEventListener("click", async () => {
    try {
      await window.MachiQR.startCamera(document.getElementById("scan-video"), check);
    } catch (error) {
      sync.textContent = messages.camera;
    }
  });

  // Without WebCrypto Ed25519, load the fallback now, while online, so the worker keeps it.
  ed25519Verify("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", new Uint8Array(64), new Uint8Array(0))
    .catch(() => undefined);
  window.addEventListener("online", refresh);
  showSync(loadCache());
  if (navigator.onLine) {
    refresh();
  }
  // For tests and tools that hand the text over directly (e.g. a hardware scanner in keyboard mode).
  window.MachiVerify = { check };
})();
