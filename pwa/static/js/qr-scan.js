/* Read a QR code from the camera or from a picture: the browser's BarcodeDetector where it has
 * one, else jsQR (pinned from npm, vendored). window.MachiQR = { fromFile, startCamera }. */
"use strict";
(function () {
  let detector = null;

  async function nativeDetector() {
    if (detector !== null) {
      return detector;
    }
    detector = false;
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) {
          detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        }
      } catch (error) {
        detector = false;
      }
    }
    return detector;
  }

  function pixels(source, width, height) {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  }

  async function detect(source, width, height) {
    const native = await nativeDetector();
    if (native) {
      try {
        const codes = await native.detect(source);
        if (codes.length) {
          return codes[0].rawValue;
        }
      } catch (error) {
        // fall through to jsQR
      }
    }
    if (typeof window.jsQR !== "function" || !width || !height) {
      return null;
    }
    const image = pixels(source, width, height);
    const found = window.jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
    return found ? found.data : null;
  }

  async function fromFile(file) {
    const bitmap = await createImageBitmap(file);
    try {
      return await detect(bitmap, bitmap.width, bitmap.height);
    } finally {
      bitmap.close();
    }
  }

  /* Scan frames until onText returns true; returns a function that stops the camera. */
  async function startCamera(video, onText) {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    let running = true;
    const stop = () => {
      running = false;
      stream.getTracks().forEach((track) => track.stop());
      video.hidden = true;
    };
    const tick = async () => {
      if (!running) {
        return;
      }
      const text = await detect(video, video.videoWidth, video.videoHeight).catch(() => null);
      if (text && (await onText(text))) {
        stop();
        return;
      }
      setTimeout(tick, 150);
    };
    tick();
    return stop;
  }

  window.MachiQR = { fromFile, startCamera };
})();
