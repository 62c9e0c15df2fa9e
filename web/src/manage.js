// Manage page: the user's own videos in every state. Edit title, description
// and visibility; delete (with confirmation); see why a conversion failed and
// retry it. States update live from the server's events.
import { listVideos, send, videoUrls } from './api.js';
import { whileBusy } from './busy.js';
import { initChrome } from './chrome.js';
import { byId, el } from './dom.js';
import { subscribe } from './events.js';
import { formatDuration } from './format.js';
import { requireSession } from './session.js';
import { thumbnail } from './thumb.js';

const videos = new Map();  // id -> video JSON
const progress = new Map();  // id -> latest job event
let editing = null;

function status(text) {
  byId('manage-status').textContent = text;
}

const STATE_TEXT = { pending: 'Waiting', processing: 'Converting', ready: 'Ready', failed: 'Failed' };

function stateBadge(video) {
  const kind = video.state === 'ready' ? 'ready' : video.state === 'failed' ? 'failed' : 'pending';
  return el('span', { class: `badge badge-${kind}` }, STATE_TEXT[video.state] ?? video.state);
}

function detailText(video) {
  const job = progress.get(video.id);
  if (video.state === 'failed') return `Conversion failed: ${video.failure_reason || job?.error || 'no reason recorded'}`;
  if (video.state !== 'ready' && job?.state === 'running') return `Converting: ${Math.round(job.progress ?? 0)} %`;
  if (video.state !== 'ready' && job?.error) return `Last attempt failed (${job.error}); retrying.`;
  const parts = [formatDuration(video.duration_ms), video.height ? `${video.height}p` : '', `visibility: ${video.visibility}`];
  return parts.filter(Boolean).join(' · ');
}

function row(video) {
  const urls = videoUrls(video);
  const actions = [
    el('button', { type: 'button', onclick: () => openEditor(video.id) }, 'Edit'),
    // No Retry for a file that can never convert (not media, unsupported: the server's `retryable`).
    video.state === 'failed' && video.retryable !== false
      ? el('button', { type: 'button', onclick: (e) => whileBusy(e.currentTarget, () => retry(video.id)) }, 'Retry')
      : null,
    el('button', { type: 'button', class: 'danger', onclick: (e) => whileBusy(e.currentTarget, () => remove(video.id)) }, 'Delete'),
  ];
  const title = video.title || video.id;
  return el('li', { class: 'row video-row', 'data-video': video.id, 'data-state': video.state },
    thumbnail({ poster: urls.poster, name: title, label: formatDuration(video.duration_ms) }),
    el('div', { class: 'row-main' },
      el('strong', {}, urls.hls || urls.dash ? el('a', { href: `/watch.html?video=${encodeURIComponent(video.id)}` }, title) : title),
      ' ', stateBadge(video),
      el('p', { class: video.state === 'failed' ? 'meta error' : 'meta' }, detailText(video))),
    el('div', { class: 'row-actions' }, ...actions));
}

function render() {
  const list = byId('manage-list');
  const items = [...videos.values()].sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0));
  list.replaceChildren(...items.map(row));
  if (!items.length) status('You have no videos yet. Upload one on the Upload page.');
}

let first = true;  // the first load replaces "Loading…"

async function load() {
  try {
    const { videos: mine } = await listVideos({ mine: true, limit: 200 });
    videos.clear();
    for (const v of mine) videos.set(v.id, v);
    if (first) status('');
    first = false;
    render();
  } catch (e) {
    status(`Couldn't load your videos: ${e.message}.`);
  }
}

async function retry(id) {
  try {
    await send('POST', `/api/v1/videos/${encodeURIComponent(id)}/retry`);
    await load();
    status('Conversion queued again.');
  } catch (e) {
    status(`Couldn't retry: ${e.message}.`);
  }
}

async function remove(id) {
  const video = videos.get(id);
  if (!window.confirm(`Delete "${video?.title || id}" for good? Its files are removed and cannot be recovered.`)) return;
  try {
    await send('DELETE', `/api/v1/videos/${encodeURIComponent(id)}`);
    videos.delete(id);
    render();
    status('Video deleted.');
  } catch (e) {
    status(e.status === 404 ? 'That video was already gone.' : `Couldn't delete: ${e.message}.`);
    if (e.status === 404) {
      videos.delete(id);
      render();
    }
  }
}

function openEditor(id) {
  const video = videos.get(id);
  if (!video) return;
  editing = id;
  byId('edit-title').value = video.title ?? '';
  byId('edit-description').value = video.description ?? '';
  byId('edit-visibility').value = video.visibility ?? 'public';
  byId('edit-error').textContent = '';
  byId('edit-dialog').showModal();
  byId('edit-title').focus();
}

async function save() {
  const title = byId('edit-title').value.trim();
  if (!title) {
    byId('edit-error').textContent = 'The title cannot be empty.';
    return;
  }
  try {
    const body = await send('PATCH', `/api/v1/videos/${encodeURIComponent(editing)}`, {
      title, description: byId('edit-description').value, visibility: byId('edit-visibility').value,
    });
    const updated = body.video ?? body;
    videos.set(editing, { ...videos.get(editing), ...(updated?.id ? updated : { title }) });
    byId('edit-dialog').close();
    render();
    status('Saved.');
  } catch (e) {
    byId('edit-error').textContent = `Couldn't save: ${e.message}.`;
  }
}

async function start() {
  await initChrome();
  const session = await requireSession();
  if (!session) return;
  byId('edit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byId('edit-save'), save);
  });
  byId('edit-cancel').addEventListener('click', () => byId('edit-dialog').close());
  await load();
  subscribe({
    job: (data) => {
      progress.set(data.video_id, data);
      if (videos.has(data.video_id)) render();
    },
    video: (data) => {
      if (data.state === 'deleted') {
        if (videos.delete(data.id)) render();
      } else if (!videos.has(data.id) || videos.get(data.id).state !== data.state) {
        load();  // new upload or a state change: fetch the full row (urls, reasons)
      }
    },
  });
}

start();
