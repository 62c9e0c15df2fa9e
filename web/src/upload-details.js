// The title, description and visibility of a video being uploaded, editable
// while its file is still on the way: kept on the page until the server names
// the video (the upload's first answer), then sent with the video PATCH, and
// again on every later change.
import { send } from './api.js';
import { el } from './dom.js';

let forms = 0;

export function detailsForm(defaultTitle) {
  forms += 1;
  const id = (name) => `upload-${forms}-${name}`;
  const title = el('input', { id: id('title'), class: 'upload-title', type: 'text', maxlength: '200', required: true });
  title.value = defaultTitle;
  const description = el('textarea', { id: id('description'), class: 'upload-description', rows: '2', maxlength: '5000' });
  const visibility = el('select', { id: id('visibility'), class: 'upload-visibility' },
    el('option', { value: 'public' }, 'Public'),
    el('option', { value: 'unlisted' }, 'Unlisted (only people with the link)'),
    el('option', { value: 'private' }, 'Private (only you)'));
  const note = el('span', { class: 'hint upload-details-note', 'aria-live': 'polite' }, 'Applied to the video when the upload finishes; change it any time.');
  const form = el('form', { class: 'upload-details', novalidate: true },
    el('label', { for: title.id }, 'Title'), title,
    el('label', { for: description.id }, 'Description'), description,
    el('label', { for: visibility.id }, 'Visibility'), visibility,
    note);
  form.addEventListener('submit', (event) => event.preventDefault());

  let videoId = null;
  const sent = { title: defaultTitle, description: '', visibility: 'public' };  // what the server has
  let sending = Promise.resolve();

  const values = () => ({ title: title.value.trim(), description: description.value, visibility: visibility.value });
  const flush = () => {
    if (!videoId) return;
    sending = sending.then(async () => {
      const now = values();
      const patch = {};
      for (const key of Object.keys(now)) if (now[key] !== sent[key]) patch[key] = now[key];
      if (patch.title === '') delete patch.title;  // a title is required: keep the last one
      if (!Object.keys(patch).length) return;
      try {
        await send('PATCH', `/api/v1/videos/${encodeURIComponent(videoId)}`, patch);
        Object.assign(sent, patch);
        note.textContent = 'Saved.';
      } catch (error) {
        note.textContent = `Not saved: ${error.message}.`;
      }
    });
  };
  for (const field of [title, description, visibility]) field.addEventListener('change', flush);

  return {
    form,
    /** The video now exists: send what was typed so far. */
    attach(id) {
      if (videoId) return;
      videoId = id;
      flush();
    },
    values,
    settled: () => sending,
  };
}
