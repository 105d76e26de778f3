// Candidate photo capture: the webcam (getUserMedia) takes one frame into the form's file field, which is then
// submitted like an uploaded file; without a camera (or permission) the file field stays the way in.
for (const form of document.querySelectorAll('[data-photo-capture]')) {
  const q = (name) => form.querySelector(`[data-photo-${name}]`);
  const i18n = document.querySelector('[data-photo-i18n]')?.dataset || {};
  const video = q('video');
  const status = q('status');
  let stream = null;

  q('start').addEventListener('click', async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      status.textContent = i18n.denied || '';
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 960 }, height: { ideal: 1280 } }, audio: false });
      video.srcObject = stream;
      q('camera').hidden = false;
      q('start').hidden = true;
    } catch {
      status.textContent = i18n.denied || '';
    }
  });

  q('shoot').addEventListener('click', () => {
    const canvas = q('canvas');
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => {
      if (!blob) return;
      const files = new DataTransfer();
      files.items.add(new File([blob], 'webcam.jpg', { type: 'image/jpeg' }));
      q('file').files = files.files;
      q('source').value = 'webcam';
      status.textContent = i18n.saving || '';
      stream?.getTracks().forEach((t) => t.stop());
      form.submit();
    }, 'image/jpeg', 0.92);
  });

  q('file').addEventListener('change', () => { q('source').value = 'upload'; });
}
