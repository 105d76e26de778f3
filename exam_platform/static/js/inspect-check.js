/* The inspector's check page: scan a certificate's QR (camera or image file) or type number and name; the
   result shows at once — the Ed25519 signature checked here with WebCrypto against the published keys, the
   status from the signed list downloaded beforehand ("状态截至 …") — and the check queues on the device
   (localStorage) until it is uploaded; its uuid, made here, keeps a check that is sent twice from being stored
   twice. The server decides the recorded outcome again from the registry. Plain script, no build step. */
(function () {
  "use strict";
  const root = document.getElementById("inspect-app");
  if (!root) return;
  const ds = root.dataset;
  const L = JSON.parse(ds.labels);
  const KEYS = "inspect-keys", LIST = "inspect-status-list", QUEUE = "inspect-queue";
  const $ = (id) => document.getElementById(id);
  let csrf = document.querySelector('meta[name="csrf-token"]').content;
  let statusList = null; // {kid, asOf, entries: Map(reference -> {status, version})}
  const STATUS = { v: "valid", s: "suspended", r: "revoked", c: "cancelled", x: "expired" };
  const TONE = { valid: "ok", unknown: "warn", queued: "warn" };

  // ---- helpers ----------------------------------------------------------------------------------------
  function bytesOf(b64url) {
    if (!/^[A-Za-z0-9_-]*$/.test(b64url) || b64url.length % 4 === 1) throw new Error("base64");
    let s = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function load(key) { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function todayShanghai() { return new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }); }
  function tokenFrom(text) {
    let t = String(text || "").trim();
    const at = t.lastIndexOf("/v/");
    if (at >= 0) t = t.slice(at + 3);
    return t.split("?")[0].split("#")[0].replace(/\/+$/, "");
  }
  async function ed25519(publicKey, signature, data) {
    try {
      const key = await crypto.subtle.importKey("raw", bytesOf(publicKey), { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
    } catch (e) { return false; }
  }
  function keyFor(kid) {
    const doc = load(KEYS);
    return doc && Array.isArray(doc.keys) ? doc.keys.find((k) => k.kid === kid && k.alg === "Ed25519") : undefined;
  }

  // ---- the signed status list -----------------------------------------------------------------------------
  async function readList(doc, keyDoc) {
    try {
      const data = bytesOf(doc.payload), signature = bytesOf(doc.signature);
      const parts = new TextDecoder().decode(data).split("|");
      if (parts.length !== 4 || parts[0] !== "CSL1") return null;
      const key = (keyDoc.keys || []).find((k) => k.kid === parts[1]);
      if (!key || !(await ed25519(key.public_key, signature, data))) return null;
      const entries = new Map();
      for (const item of parts[3] ? parts[3].split(";") : []) {
        const [reference, letter, version] = item.split(".");
        entries.set(reference, { status: STATUS[letter], version: Number(version) });
      }
      return { kid: parts[1], asOf: parts[2], entries };
    } catch (e) { return null; }
  }
  function showListDate() {
    const when = statusList ? new Date(statusList.asOf).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) : null;
    $("list-as-of").textContent = when ? `${L.as_of} ${when}` : L.no_list;
    $("list-as-of").dataset.asOf = statusList ? statusList.asOf : "";
  }
  async function restoreList() {
    const doc = load(LIST), keyDoc = load(KEYS);
    statusList = doc && keyDoc ? await readList(doc, keyDoc) : null;
    showListDate();
  }
  async function download() {
    try {
      const [keysResponse, listResponse] = await Promise.all([
        fetch(ds.keysUrl, { credentials: "same-origin", cache: "no-store" }),
        fetch(ds.listUrl, { credentials: "same-origin", cache: "no-store" })]);
      if (!keysResponse.ok || !listResponse.ok) return;
      const keyDoc = await keysResponse.json(), doc = await listResponse.json();
      const parsed = await readList(doc, keyDoc);
      if (!parsed) return; // never keep a list whose signature does not verify
      store(KEYS, keyDoc); store(LIST, doc);
      statusList = parsed;
    } catch (e) { /* no signal: keep the list we have */ }
    showListDate();
  }

  // ---- checking a token here (works offline) ---------------------------------------------------------------
  async function checkHere(token) {
    const forged = { outcome: "forgery", reason: "bad_signature" };
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) || token.length > 400) return forged;
    let data, signature, fields;
    try {
      const [p, s] = token.split(".");
      data = bytesOf(p); signature = bytesOf(s);
      fields = new TextDecoder().decode(data).split("|");
    } catch (e) { return forged; }
    if (fields.length !== 7 || !["CT2", "CT1"].includes(fields[0]) || signature.length !== 64) return forged;
    if (!load(KEYS)) return { outcome: "", label: L.unknown };
    const key = keyFor(fields[1]);
    if (!key || !(await ed25519(key.public_key, signature, data))) return forged;
    const found = { category: fields[3], validUntil: fields[5], compromised: key.state === "compromised" };
    if (fields[0] === "CT1" || !statusList) return { ...found, outcome: "", label: L.unknown };
    const entry = statusList.entries.get(fields[2]);
    const version = Number(fields[6]);
    let outcome = "valid";
    if (entry && version < entry.version) outcome = "superseded";
    else if (entry && entry.status !== "valid") outcome = entry.status;
    else if (fields[5] < todayShanghai()) outcome = "expired";
    return { ...found, outcome };
  }

  function show(result, extra) {
    const box = $("result");
    const outcome = result.outcome || "unknown";
    box.className = "check-result " + (TONE[outcome] || "bad");
    box.dataset.outcome = outcome;
    let text = result.label || L[outcome] || outcome;
    if (result.category) text += ` · ${result.category}`;
    if (result.validUntil) text += ` · ${result.validUntil}`;
    if (result.compromised) text += ` · ${L.compromised}`;
    box.textContent = text + (extra ? ` — ${extra}` : "");
  }

  // ---- the queue ------------------------------------------------------------------------------------------
  function renderQueue() {
    const queue = load(QUEUE) || [];
    $("queue-count").textContent = String(queue.length);
    const list = $("queued");
    list.textContent = "";
    for (const item of queue) {
      const li = document.createElement("li");
      li.dataset.uuid = item.body.uuid;
      li.textContent = `${item.body.worker_name || item.body.number || "QR"} · ${L[item.body.device_outcome] || L.unknown} · ${L.queued}`;
      list.appendChild(li);
    }
    const net = $("net-state");
    net.textContent = navigator.onLine ? L.online : L.offline;
    net.className = "badge " + (navigator.onLine ? "badge-ok" : "badge-warn");
  }
  function addRecorded(body, sent) {
    const table = document.querySelector("#checks tbody");
    if (!table || document.getElementById(`check-${body.id}`)) return;
    const empty = table.querySelector("tr.empty");
    if (empty) empty.remove();
    const tr = document.createElement("tr");
    tr.id = `check-${body.id}`;
    tr.dataset.outcome = body.outcome;
    const at = new Date(sent.device_at || Date.now()).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, hour: "2-digit", minute: "2-digit" });
    const cells = [at, sent.worker_name || body.holder || "", "", body.category_name || "", body.outcome_label, body.reason];
    for (const text of cells) { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); }
    table.appendChild(tr);
    const count = $("checked-count");
    if (count) count.textContent = String(table.querySelectorAll("tr[data-outcome]").length);
  }
  async function freshToken() {
    try {
      const page = await fetch(location.pathname, { credentials: "same-origin", cache: "no-store" });
      const match = /name="csrf-token" content="([^"]+)"/.exec(await page.text());
      if (match) csrf = match[1];
    } catch (e) { /* keep the old one */ }
  }
  async function send(item) {
    return fetch(item.url, { method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(item.body) });
  }
  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of load(QUEUE) || []) {
        let response;
        try {
          response = await send(item);
          if (response.status === 400) { await freshToken(); response = await send(item); } // an expired CSRF token
        } catch (e) { break; } // no signal: try again when back online
        if (response.status >= 500 || response.status === 429) break;
        const remaining = (load(QUEUE) || []).filter((q) => q.body.uuid !== item.body.uuid);
        store(QUEUE, remaining);
        if (response.ok) {
          const body = await response.json();
          addRecorded(body, item.body);
          if (item.body.uuid === root.dataset.lastUuid) show(body, L.uploaded);
        } else {
          show({ outcome: "unknown", label: `${response.status}` });
        }
      }
    } finally {
      flushing = false;
      renderQueue();
    }
  }
  async function record(body) {
    body.uuid = uuid4();
    body.device_at = new Date().toISOString();
    body.offline = !navigator.onLine;
    body.list_as_of = statusList ? statusList.asOf : null;
    body.note = $("check-note").value.trim();
    $("check-note").value = "";
    root.dataset.lastUuid = body.uuid;
    const queue = load(QUEUE) || [];
    queue.push({ url: ds.uploadUrl, body });
    store(QUEUE, queue);
    renderQueue();
    await flush();
  }

  // ---- inputs: a QR text, an image, the camera, typing -----------------------------------------------------
  async function onQrText(text) {
    const token = tokenFrom(text);
    const result = await checkHere(token);
    show(result, navigator.onLine ? "" : L.queued);
    const name = $("scan-name").value.trim();
    $("scan-name").value = "";
    await record({ token, worker_name: name, device_outcome: result.outcome || "" });
  }
  async function decode(source, width, height) {
    if ("BarcodeDetector" in window) {
      try {
        const codes = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(source);
        if (codes.length) return codes[0].rawValue;
      } catch (e) { /* fall back to jsQR */ }
    }
    if (!window.jsQR) return null;
    const scale = Math.min(1, 1200 / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale); canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(image.data, image.width, image.height);
    return code ? code.data : null;
  }
  $("qr-file").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    const text = await decode(bitmap, bitmap.width, bitmap.height);
    event.target.value = "";
    if (text) await onQrText(text); else show({ outcome: "unknown", label: L.no_qr });
  });
  let stream = null;
  function stopCamera() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    $("camera").hidden = true; $("camera-stop").hidden = true; $("camera-start").hidden = false;
  }
  $("camera-start").addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) { show({ outcome: "unknown", label: L.camera_error }); return; }
    const video = $("camera");
    video.srcObject = stream; video.hidden = false;
    $("camera-stop").hidden = false; $("camera-start").hidden = true;
    await video.play();
    const tick = async () => {
      if (!stream) return;
      if (video.videoWidth) {
        const text = await decode(video, video.videoWidth, video.videoHeight);
        if (text) { stopCamera(); await onQrText(text); return; }
      }
      setTimeout(tick, 250);
    };
    tick();
  });
  $("camera-stop").addEventListener("click", stopCamera);
  $("typed-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = $("typed-number").value.trim(), name = $("typed-name").value.trim();
    if (!number || !name) return;
    $("typed-number").value = ""; $("typed-name").value = "";
    show({ outcome: "unknown", label: navigator.onLine ? "…" : L.unknown });
    await record({ number, worker_name: name, device_outcome: "" });
  });
  $("refresh-list").addEventListener("click", download);
  window.addEventListener("online", () => { renderQueue(); flush(); download(); });
  window.addEventListener("offline", renderQueue);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(ds.swUrl, { scope: ds.scope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => registration.active.postMessage({ type: "keep", urls: [location.pathname] }))
      .catch(() => {});
  }
  restoreList().then(() => { renderQueue(); if (navigator.onLine) { download(); flush(); } });
})();
