// Upload page: files by drag and drop or the picker, each sent with tus
// (resumable: a dropped connection retries and resumes from the server's
// offset), a progress bar with speed and ETA, then the conversion's progress
// from the server's events, then a link to the video.
import * as tus from 'tus-js-client';
import { getVideo, send } from './api.js';
import { whileBusy } from './busy.js';
import { initChrome } from './chrome.js';
import { byId, el } from './dom.js';
import { subscribe } from './events.js';
import { formatBytes, formatDuration, formatFps } from './format.js';
import { csrfToken, requireSession, sessionExpired } from './session.js';
import { detailsForm } from './upload-details.js';

const VIDEO_EXTENSIONS = ['mp4', 'm4v', 'mov', 'mkv', 'webm', 'ts', 'mts', 'm2ts', 'avi', 'flv', 'mpg', 'mpeg', 'wmv', '3gp', 'ogv'];
let maxBytes = 0;  // from Tus-Max-Size; 0 = unknown
// ?chunk_kb=N overrides the request size (tests use small chunks).
const chunkKb = Number(new URLSearchParams(location.search).get('chunk_kb'));
const chunkSize = chunkKb > 0 ? chunkKb * 1024 : 32 * 1024 * 1024;
const byVideo = new Map();  // video id -> row controller

function extension(name) {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Plain-words reason a file cannot be uploaded, or '' when it may. */
export function refusal(file) {
  const typeOk = file.type.startsWith('video/') || VIDEO_EXTENSIONS.includes(extension(file.name));
  if (!typeOk) return `"${file.name}" is not a video file (${file.type || `.${extension(file.name) || 'no extension'}`}). Choose a video such as .mp4, .mov, .mkv or .webm.`;
  if (file.size === 0) return `"${file.name}" is empty.`;
  if (maxBytes && file.size > maxBytes) return `"${file.name}" is ${formatBytes(file.size)}; this server accepts files up to ${formatBytes(maxBytes)}.`;
  return '';
}

async function loadLimits() {
  try {
    const response = await fetch('/api/v1/uploads', { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } });
    maxBytes = Number(response.headers.get('Tus-Max-Size')) || 0;
  } catch {
    maxBytes = 0;
  }
  byId('limits').textContent = maxBytes ? `Up to ${formatBytes(maxBytes)} per file. Uploads resume if the connection drops.` : 'Uploads resume if the connection drops.';
}

function titleOf(name) {
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name).replace(/[_]+/g, ' ').trim() || name;
}

function uploadRow(file) {
  const bar = el('progress', { max: '100', value: '0', 'aria-label': `Upload of ${file.name}` });
  const detail = el('span', { class: 'meta' }, 'Starting…');
  const phase = el('span', { class: 'badge badge-pending' }, 'Uploading');
  const actions = el('span', { class: 'row-actions' });
  const row = el('li', { class: 'upload' },
    el('div', { class: 'row-main' }, el('strong', {}, file.name), ' ', phase),
    bar, detail, actions);
  return { row, bar, detail, phase, actions };
}

/** "3:05 left" (h:mm:ss past an hour); '' when unknown. */
function timeLeft(seconds) {
  const text = formatDuration(seconds * 1000);
  return text ? `${text} left` : '';
}

function describeError(error) {
  const response = error?.originalResponse;
  const status = response?.getStatus?.() ?? 0;
  let message = '';
  try {
    message = JSON.parse(response?.getBody?.() || '{}')?.error?.message ?? '';
  } catch {
    message = '';
  }
  if (status === 413) return `The server refused the file: it is too large${message ? ` (${message})` : ''}.`;
  if (status === 401) return 'Your session has expired; sign in again.';
  if (status === 403) return `The server refused the upload${message ? `: ${message}` : ''}.`;
  if (status) return `Upload failed (${status}${message ? `: ${message}` : ''}).`;
  return 'Upload failed: the connection was lost and retrying did not help. Choose the file again to resume.';
}

function startUpload(file) {
  const ui = uploadRow(file);
  byId('uploads').prepend(ui.row);
  const reason = refusal(file);
  if (reason) {
    ui.bar.remove();
    ui.phase.textContent = 'Refused';
    ui.phase.className = 'badge badge-failed';
    ui.detail.textContent = reason;
    return;
  }
  let videoId = null;
  // Title, description and visibility while the file uploads: sent as soon
  // as the video exists (the upload's first answer names it), then on every change.
  const details = detailsForm(titleOf(file.name));
  ui.row.insertBefore(details.form, ui.bar);
  let lastBytes = 0;
  let lastTime = performance.now();
  let speed = 0;  // bytes/s, smoothed
  const upload = new tus.Upload(file, {
    endpoint: '/api/v1/uploads',
    // One request per chunk: proxies with a body limit pass, and a broken
    // connection costs at most one chunk before the upload resumes.
    chunkSize,
    retryDelays: [0, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 60000],
    // A dropped connection (no response at all) or a server hiccup: try again
    // and resume from the server's offset; a refusal (4xx) is final.
    onShouldRetry(error, attempt) {
      const status = error?.originalResponse?.getStatus?.() ?? 0;
      const retry = status === 0 || status >= 500 || status === 409 || status === 423;
      if (retry) {
        ui.detail.textContent = `Connection lost; trying again (attempt ${attempt + 1})… The upload resumes where it stopped.`;
        ui.row.dataset.retries = String(attempt + 1);
      }
      return retry;
    },
    metadata: { filename: file.name, filetype: file.type || 'application/octet-stream', title: titleOf(file.name) },
    headers: { 'X-CSRF-Token': csrfToken() },
    removeFingerprintOnSuccess: true,
    storeFingerprintForResuming: true,
    onAfterResponse(_request, response) {
      videoId = response.getHeader('Tidecast-Video-Id') || videoId;
      if (videoId) {
        ui.row.dataset.video = videoId;
        details.attach(videoId);
      }
    },
    onProgress(sent, total) {
      const now = performance.now();
      const dt = (now - lastTime) / 1000;
      if (dt >= 0.25) {
        const instant = (sent - lastBytes) / dt;
        speed = speed ? speed * 0.7 + instant * 0.3 : instant;
        lastBytes = sent;
        lastTime = now;
      }
      const percent = total ? (sent / total) * 100 : 0;
      ui.bar.value = percent;
      const eta = speed > 0 ? (total - sent) / speed : NaN;
      ui.detail.textContent = `${percent.toFixed(0)} % · ${formatBytes(sent)} of ${formatBytes(total)}`
        + (speed > 0 ? ` · ${formatBytes(speed)}/s · ${timeLeft(eta)}` : '');
    },
    onError(error) {
      if (error?.originalResponse?.getStatus?.() === 401) sessionExpired();
      ui.phase.textContent = 'Failed';
      ui.phase.className = 'badge badge-failed';
      ui.detail.textContent = describeError(error);
    },
    onSuccess() {
      ui.bar.value = 100;
      ui.phase.textContent = 'Converting';
      ui.detail.textContent = 'Uploaded. Waiting for the conversion to start…';
      ui.bar.value = 0;
      ui.bar.setAttribute('aria-label', `Conversion of ${file.name}`);
      if (videoId) {
        const controller = conversionView(videoId, ui);
        byVideo.set(videoId, controller);
        controller.apply(pending.get(videoId));
      } else {
        ui.detail.textContent = 'Uploaded. Its conversion is listed on the Manage page.';
      }
    },
  });
  upload.findPreviousUploads().then((previous) => {
    if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  });
}

function conversionView(videoId, ui) {
  const link = `/watch.html?video=${encodeURIComponent(videoId)}`;
  ui.row.dataset.video = videoId;
  return {
    apply(event) {
      if (!event) return;
      if (event.kind === 'video' && event.state === 'ready') {
        ui.bar.value = 100;
        ui.phase.textContent = 'Ready';
        ui.phase.className = 'badge badge-ready';
        ui.detail.replaceChildren('Converted. ', el('a', { href: link, class: 'watch-link' }, 'Watch the video'));
        return;
      }
      if (event.kind === 'video' && event.state === 'failed') {
        ui.phase.textContent = 'Failed';
        ui.phase.className = 'badge badge-failed';
        showFailure(videoId, ui);
        return;
      }
      if (event.kind === 'job') {
        if (ui.phase.textContent === 'Ready') return;
        if (event.state === 'failed') {
          ui.phase.textContent = 'Failed';
          ui.phase.className = 'badge badge-failed';
          showFailure(videoId, ui);
          return;
        }
        if (event.error && event.state === 'queued') {
          ui.detail.textContent = `Conversion attempt failed (${event.error}); retrying soon.`;
          return;
        }
        if (event.state === 'running') {
          ui.bar.value = event.progress ?? 0;
          const parts = [`Converting: ${Math.round(event.progress ?? 0)} %`];
          if (event.fps) parts.push(formatFps(event.fps));
          if (event.eta_seconds != null) parts.push(timeLeft(event.eta_seconds));
          ui.detail.textContent = parts.join(' · ');
        } else if (event.state === 'queued') {
          ui.detail.textContent = 'Uploaded. Waiting for a free converter…';
        }
      }
    },
  };
}

/**
 * Why the conversion failed, from the video itself; a Retry button only when
 * running it again could help (the server's `retryable`: not for a file that
 * is not media or is unsupported).
 */
async function showFailure(videoId, ui) {
  ui.detail.textContent = 'The conversion failed.';
  const video = await getVideo(videoId).catch(() => null);
  if (!video || video.state !== 'failed') return;
  const reason = video.failure_reason || 'no reason recorded';
  ui.row.dataset.failure = video.failure_code ?? '';
  if (video.retryable === false) {
    ui.detail.textContent = `This file cannot be converted: ${reason}. Upload a different video file.`;
    ui.actions.replaceChildren();
    return;
  }
  ui.detail.textContent = `The conversion failed: ${reason}.`;
  const retry = el('button', {
    type: 'button',
    onclick: (e) => whileBusy(e.currentTarget, async () => {
      try {
        await send('POST', `/api/v1/videos/${encodeURIComponent(videoId)}/retry`);
        ui.actions.replaceChildren();
        ui.phase.textContent = 'Converting';
        ui.phase.className = 'badge badge-pending';
        ui.detail.textContent = 'Conversion queued again.';
      } catch (error) {
        ui.detail.textContent = `Couldn't retry: ${error.message}.`;
      }
    }),
  }, 'Retry');
  ui.actions.replaceChildren(retry);
}

// Events may arrive before the upload's last response names the video.
const pending = new Map();
function onEvent(kind, data, id) {
  const event = { ...data, kind };
  const controller = byVideo.get(id);
  if (controller) controller.apply(event);
  else pending.set(id, event);
}

function initDrop() {
  const drop = byId('drop');
  const input = byId('file-input');
  const take = (files) => {
    byId('upload-status').textContent = '';
    for (const file of files) startUpload(file);
  };
  input.addEventListener('change', () => {
    take([...input.files]);
    input.value = '';
  });
  for (const name of ['dragenter', 'dragover']) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const name of ['dragleave', 'drop']) drop.addEventListener(name, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    const files = [...(event.dataTransfer?.files ?? [])];
    if (!files.length) byId('upload-status').textContent = 'Nothing to upload: drop video files, not folders or links.';
    take(files);
  });
}

async function start() {
  await initChrome();
  const session = await requireSession();
  if (!session) return;
  initDrop();
  loadLimits();
  subscribe({
    job: (data) => onEvent('job', data, data.video_id),
    video: (data) => onEvent('video', data, data.id),
  });
}

start();
