// The wallet's QR scanner: camera frames (or a chosen photo) decoded with jsQR; what it reads is
// put in the form and submitted, so the server checks the payload and its CRC. Without a camera,
// or with JavaScript off, the form still takes the code as text.
(() => {
  "use strict";
  const root = document.querySelector("[data-wallet-scanner]");
  if (!root || typeof jsQR !== "function") return;
  const video = root.querySelector("[data-scanner-video]");
  const status = root.querySelector("[data-scanner-status]");
  const form = root.querySelector("[data-scanner-form]");
  const field = form.querySelector("input[name=qr_text]");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null;

  const say = (text) => { status.textContent = text; };
  const found = (text) => {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    field.value = text;
    say(root.dataset.readText || "…");
    form.submit();
  };
  const decode = (source, width, height) => {
    canvas.width = width;
    canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const code = jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
    return code && code.data ? code.data : null;
  };
  const tick = () => {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const text = decode(video, video.videoWidth, video.videoHeight);
      if (text) return found(text);
    }
    requestAnimationFrame(tick);
  };

  root.querySelector("[data-scanner-start]").addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      say(root.dataset.noCamera || String(error));
      return;
    }
    video.hidden = false;
    video.srcObject = stream;
    await video.play();
    requestAnimationFrame(tick);
  });

  root.querySelector("[data-scanner-file]").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    const image = new Image();
    image.onload = () => {
      const text = decode(image, image.naturalWidth, image.naturalHeight);
      URL.revokeObjectURL(image.src);
      if (text) found(text);
      else say(root.dataset.notFound || "");
    };
    image.src = URL.createObjectURL(file);
  });
})();
