// Upload progress for the bank import (issue #15): a large zip of a sheet and its pictures takes a while to send.
// The form still works without this script; with it, the file is sent with XMLHttpRequest so the page can show how
// much has been uploaded, then the server's answer (the preview, or the form with its errors) replaces the page.
const form = document.getElementById('bank-upload');
if (form && window.FormData && window.XMLHttpRequest) {
  const box = document.getElementById('upload-progress');
  const bar = box.querySelector('progress');
  const label = box.querySelector('[role="status"]');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    box.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action || window.location.href);
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.floor((100 * e.loaded) / e.total);
      bar.value = percent;
      label.textContent = form.dataset.uploading.replace('{n}', percent);
    });
    xhr.upload.addEventListener('load', () => { bar.removeAttribute('value'); label.textContent = form.dataset.checking; });
    xhr.addEventListener('load', () => {
      if (xhr.responseURL && xhr.responseURL !== window.location.href && xhr.status < 400) {
        window.location.assign(xhr.responseURL); // redirected to the preview
        return;
      }
      // the form with every problem: the answer's page content replaces this one's (parsed inert, no scripts run)
      const answer = new DOMParser().parseFromString(xhr.responseText, 'text/html').querySelector('main');
      if (answer) { document.querySelector('main').replaceWith(document.adoptNode(answer)); }
      else { label.textContent = form.dataset.failed; button.disabled = false; }
    });
    xhr.addEventListener('error', () => { label.textContent = form.dataset.failed; button.disabled = false; });
    xhr.send(new FormData(form));
  });
}
