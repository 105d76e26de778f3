// Proctor console: polls the sitting's JSON endpoint every 5 seconds and redraws the live columns of each row.
// The action forms stay server-rendered (each needs a reason); a reload after an action shows its effect.

const table = document.getElementById('console');
const labels = table.dataset;
const status = document.getElementById('console-status');

const clock = (s) => (s === null || s === undefined ? '' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);
const time = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
};

async function refresh() {
  try {
    const response = await fetch(table.dataset.url, { credentials: 'same-origin', cache: 'no-store',
      headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    for (const row of data.rows) {
      const tr = table.querySelector(`tr[data-registration="${row.registration_id}"]`);
      if (!tr) { window.location.reload(); return; }  // a new registration or attempt: redraw the whole page
      const set = (col, text) => { const td = tr.querySelector(`[data-col="${col}"]`); if (td) td.textContent = text; };
      set('seat', row.seat);
      set('state', stateLabel(row.state));
      set('answered', `${row.answered}/${row.question_count}`);
      set('last_saved_at', time(row.last_saved_at));
      set('remaining', clock(row.remaining_seconds));
      set('device', row.device);
      if (row.attempt_id && !row.device_bound && row.state === 'in_progress') {
        const badge = document.createElement('span');
        badge.className = 'badge badge-warn';
        badge.textContent = labels.labelUnbound;
        tr.querySelector('[data-col="device"]')?.append(' ', badge);
      }
      set('ip', row.ip);
      tr.dataset.state = row.state;
    }
    status.textContent = `${labels.labelUpdated} ${time(data.server_time)}`;
  } catch {
    status.textContent = labels.labelOffline;
  }
}

function stateLabel(state) {
  const map = { in_progress: labels.labelIn_progress, submitted: labels.labelSubmitted, voided: labels.labelVoided,
    registered: labels.labelRegistered, checked_in: labels.labelChecked_in, absent: labels.labelAbsent };
  return map[state] || state;
}

setInterval(refresh, 5000);
refresh();
