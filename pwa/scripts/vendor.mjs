// Copy the pinned front-end libraries from pwa/node_modules into pwa/static/vendor/.
// Run after `npm ci --prefix pwa`: `node pwa/scripts/vendor.mjs`. No dependencies, no CDN.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const pwa = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(pwa, "node_modules");
const vendor = join(pwa, "static", "vendor");

// target file in static/vendor/ -> [package, path inside the package]
const FILES = {
  "htmx.min.js": ["htmx.org", "dist/htmx.min.js"],
  // UMD bundle: defines the global SimpleWebAuthnBrowser.
  "simplewebauthn-browser.umd.min.js": ["@simplewebauthn/browser", "dist/bundle/index.umd.min.js"],
  "tokens.css": ["@digital-go-jp/design-tokens", "dist/tokens.css"],
  // Used only by the end-to-end accessibility checks; never linked from a page.
  "axe.min.js": ["axe-core", "axe.min.js"],
  // QR decoding for the wallet's scanner (UMD: defines the global jsQR).
  "jsQR.js": ["jsqr", "dist/jsQR.js"],
  // QR encoding on the device for the resident ID card (global qrcode), which must work offline.
  "qrcode-generator.js": ["qrcode-generator", "dist/qrcode.js"],
  // Ed25519 for /verify in browsers whose WebCrypto lacks it (an ES module, no dependencies).
  "noble-ed25519.js": ["@noble/ed25519", "index.js"],
};

const wanted = JSON.parse(readFileSync(join(pwa, "package.json"), "utf8")).dependencies;
mkdirSync(vendor, { recursive: true });
let failed = false;
for (const [target, [pkg, path]] of Object.entries(FILES)) {
  const source = join(modules, pkg, path);
  const manifest = join(modules, pkg, "package.json");
  if (!existsSync(source) || !existsSync(manifest)) {
    console.error(`missing ${relative(pwa, source)}: run \`npm ci --prefix pwa\` first`);
    failed = true;
    continue;
  }
  const installed = JSON.parse(readFileSync(manifest, "utf8")).version;
  if (wanted[pkg] !== installed) {
    console.error(`${pkg} ${installed} is installed but package.json pins ${wanted[pkg]}: run \`npm ci --prefix pwa\``);
    failed = true;
    continue;
  }
  copyFileSync(source, join(vendor, target));
  console.log(`static/vendor/${target} <- ${pkg}@${installed}/${path}`);
}
// The SDK's shell simulator (`machi-sdk dev`) serves the shell's look to the app it frames.
const sdkShell = join(pwa, "..", "sdk", "machi_sdk", "static", "shell");
mkdirSync(sdkShell, { recursive: true });
for (const [target, source] of Object.entries({
  "machi.css": join(pwa, "static", "css", "machi.css"),
  "tokens.css": join(vendor, "tokens.css"),
  "htmx.min.js": join(vendor, "htmx.min.js"),
})) {
  if (existsSync(source)) {
    copyFileSync(source, join(sdkShell, target));
  }
}
process.exit(failed ? 1 : 0);
