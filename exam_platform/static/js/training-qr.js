// The on-site check-in screen: reloads the rotating QR code often (well within the code's period), so the code on
// screen is always current. The server alone decides the code; this page only fetches the image again.
const img = document.getElementById("checkin-qr");

if (img) {
  const period = Math.max(2, Number(img.dataset.period) || 30);
  const every = Math.max(1, Math.min(10, Math.floor(period / 3))) * 1000;
  setInterval(() => {
    img.src = `${img.dataset.src}?t=${Date.now()}`;
  }, every);
}
