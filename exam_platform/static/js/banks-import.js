// Progress of a background bank import (issue #15): polls the job's small JSON and moves the bar; when the job has
// finished, the page is loaded again to show the result or every problem at its line (rendered by the server).
const box = document.getElementById('import-job');
if (box && box.dataset.finished !== 'true') {
  const bar = document.getElementById('import-bar');
  const percent = document.getElementById('import-percent');
  const phase = document.getElementById('import-phase');
  const counts = document.getElementById('import-counts');
  const phases = JSON.parse(box.dataset.phases);
  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.progressUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (!answer.ok) throw new Error(String(answer.status));
      const p = await answer.json();
      bar.value = p.percent;
      percent.textContent = `${p.percent}%`;
      phase.textContent = phases[p.phase] || '';
      counts.textContent = box.dataset.counts.replace('{v}', p.rows_validated).replace('{t}', p.rows_total)
        .replace('{p}', p.pictures_done).replace('{pt}', p.pictures_total).replace('{w}', p.rows_written);
      if (p.finished) { window.location.reload(); return; }
    } catch (err) {
      counts.textContent = box.dataset.lost;
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
}
