// Honest study time on the lesson page (防挂机). The page sends heartbeats only while the tab is visible AND the
// trainee interacted within the last few minutes; it says "pause" when hidden, idle or left. The server credits at
// most the wall-clock time since its last accepted heartbeat, one lesson at a time — this script cannot add time,
// it can only stop asking for it.
const root = document.getElementById("study");

if (root && root.dataset.counting === "1") {
  const d = root.dataset;
  const beatMs = Math.max(1, Number(d.beat) || 20) * 1000;
  const idleMs = Math.max(1, Number(d.idle) || 180) * 1000;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const stateText = document.getElementById("study-state");
  const minutesText = document.getElementById("study-minutes");
  const secondsText = document.getElementById("study-seconds");
  const bar = document.getElementById("study-bar");
  const resume = document.getElementById("study-resume");

  let lastInteraction = performance.now();
  let running = false;   // this page holds the trainee's study clock on the server
  let blocked = false;   // another page took the clock over, or the lesson/class is done: wait for the user
  let state = "";

  const say = (key) => {
    state = key;
    root.dataset.state = key;
    stateText.textContent = d[`msg${key[0].toUpperCase()}${key.slice(1)}`] || "";
  };

  const show = (body) => {
    if (typeof body.seconds !== "number") return;
    minutesText.textContent = String(Math.floor(body.seconds / 60));
    secondsText.textContent = String(body.seconds);
    bar.value = Math.min(body.seconds, Number(d.required));
    if (body.complete) {
      running = false;
      blocked = true;
      say("done");
    }
  };

  async function send(event, keepalive = false) {
    root.dataset.sent = String(Number(root.dataset.sent || 0) + 1);  // with data-replies: lets tests wait for quiet
    let response;
    try {
      response = await fetch(d.url, {
        method: "POST",
        credentials: "same-origin",
        keepalive,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ enrollment_id: Number(d.enrollment), lesson_id: Number(d.lesson), event }),
      });
    } catch {
      root.dataset.replies = String(Number(root.dataset.replies || 0) + 1);
      if (running) say("offline");
      return;
    }
    const body = await response.json().catch(() => ({}));
    root.dataset.replies = String(Number(root.dataset.replies || 0) + 1);  // lets tests wait for the server
    if (response.ok) {
      if (event !== "pause" && running && state !== "done") say("counting");
      show(body);
      return;
    }
    running = false;
    if (response.status === 409) {
      blocked = true;
      const code = body.error?.code;
      say(code === "other_lesson" ? "other" : "closed");
      if (code === "other_lesson") resume.hidden = false;
    }
  }

  const active = () => document.visibilityState === "visible" && performance.now() - lastInteraction < idleMs;

  function start() {
    if (running || blocked || !active()) return;
    running = true;
    resume.hidden = true;
    say("counting");
    send("start");
  }

  function pause(why, keepalive = false) {
    if (!running) return;
    running = false;
    say(why);
    send("pause", keepalive);
  }

  const interacted = () => {
    lastInteraction = performance.now();
    if (!running && !blocked) start();
  };
  for (const type of ["pointermove", "pointerdown", "keydown", "wheel", "scroll", "touchstart"]) {
    window.addEventListener(type, interacted, { passive: true });
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") interacted();  // coming back to the tab is an interaction
    else pause("hidden", true);
  });
  window.addEventListener("pagehide", () => pause("hidden", true));

  resume.addEventListener("click", () => {
    blocked = false;
    interacted();
  });

  setInterval(() => {
    if (!running) return;
    if (document.visibilityState !== "visible") pause("hidden");
    else if (!active()) pause("idle");
    else send("beat");
  }, beatMs);

  start();
}
