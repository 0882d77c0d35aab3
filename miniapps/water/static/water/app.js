// The app's stylesheet: pages arrive as htmx fragments (without their <head>), so add it once.
if (!document.querySelector('link[href="/static/water/water.css"]')) {
  const sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = "/static/water/water.css";
  document.head.appendChild(sheet);
}

// Download a bill as PDF: the page's links carry no token (it travels in a header), so fetch the
// file with the launch token and hand it to the browser as a download.
document.addEventListener("click", async (event) => {
  const link = event.target.closest && event.target.closest("a[data-water-pdf]");
  if (!link || !window.machi) return;
  event.preventDefault();
  const status = document.getElementById("water-pdf-status");
  try {
    const token = await window.machi.getToken();
    const response = await fetch(link.getAttribute("href"), {
      headers: { Authorization: "Bearer " + token },
    });
    if (!response.ok) throw new Error(String(response.status));
    const url = URL.createObjectURL(await response.blob());
    const save = document.createElement("a");
    save.href = url;
    save.download = link.dataset.waterPdf;
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    if (status) status.textContent = link.dataset.waterPdfDone || "";
  } catch (error) {
    if (status) status.textContent = link.dataset.waterPdfFailed || "";
  }
});
