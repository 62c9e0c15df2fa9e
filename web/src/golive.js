// Go-live page: the user's channels, creating one, the OBS settings to copy
// (server URL, stream key hidden until revealed, regenerate), and a live
// preview with the stream's health while it is on air.
import { listLive, send, getJson, getIngestUrls } from './api.js';
import { copyText, whileBusy } from './busy.js';
import { initChrome } from './chrome.js';
import { byId, el } from './dom.js';
import { formatBitrate } from './format.js';
import { csrfToken, requireSession } from './session.js';

const HEALTH_REFRESH_MS = 2000;
// Source bitrates that leave the server's ladder good material to scale down.
const RECOMMENDED = [
  ['1080p, 30 fps', '4500–6000 kb/s'],
  ['1080p, 60 fps', '6000–9000 kb/s'],
  ['720p, 30 fps', '2500–4000 kb/s'],
  ['720p, 60 fps', '3500–5000 kb/s'],
  ['480p, 30 fps', '1000–2000 kb/s'],
];

const keys = new Map();  // channel name -> stream key shown this visit
let selected = null;
let previewEngine = null;
let previewing = '';
let ingest = { rtmp_url: null, rtmps_url: null };  // from the server; a key's response may refresh it

function status(text) {
  byId('golive-status').textContent = text;
}

/** An ingest URL for OBS, with this page's host in place of the server's "<this-server>". */
function ingestUrl(url) {
  return url.replace('<this-server>', location.hostname).replace(/\/+$/, '');
}

function showIngestUrls(urls) {
  if (urls?.rtmp_url) ingest = { rtmp_url: urls.rtmp_url, rtmps_url: urls.rtmps_url ?? null };
  byId('rtmp-url').value = ingestUrl(ingest.rtmp_url ?? 'rtmp://<this-server>:1935/live');
  byId('rtmps-row').hidden = !ingest.rtmps_url;
  byId('rtmps-url').value = ingest.rtmps_url ? ingestUrl(ingest.rtmps_url) : '';
}

function channelRow(channel) {
  const button = el('button', { type: 'button', onclick: () => select(channel) }, 'Stream settings');
  return el('li', { class: 'row', 'data-channel': channel.name },
    el('div', { class: 'row-main' },
      el('strong', {}, channel.title || channel.name),
      el('span', { class: 'meta' }, ` ${channel.name}`),
      channel.live ? el('span', { class: 'badge badge-live' }, 'Live') : null),
    el('div', { class: 'row-actions' },
      el('a', { href: `/c/${encodeURIComponent(channel.name)}` }, 'Channel page'),
      el('a', { href: `/watch.html?channel=${encodeURIComponent(channel.name)}` }, 'Watch page'),
      button));
}

async function loadChannels() {
  const body = await getJson('/api/v1/channels?mine=1', { signedIn: true });
  const channels = Array.isArray(body?.channels) ? body.channels : [];
  byId('channel-list').replaceChildren(...channels.map(channelRow));
  if (!channels.length) status('You have no channels yet: create one below.');
  else status('');
  // Once there is a channel, making another is the rare case: tucked away.
  const list = byId('channel-list');
  if (!list.dataset.loaded) byId('new-channel').open = channels.length === 0;
  list.dataset.loaded = '1';
  if (selected) {
    const fresh = channels.find((c) => c.name === selected.name);
    if (fresh) showProfile(fresh);
  }
  return channels;
}

function showKey(key, note) {
  const field = byId('stream-key');
  field.value = key ?? '';
  field.type = 'password';
  byId('reveal-key').setAttribute('aria-pressed', 'false');
  byId('reveal-key').textContent = 'Reveal';
  byId('reveal-key').disabled = !key;
  byId('copy-key').disabled = !key;
  field.placeholder = key ? '' : 'hidden: regenerate to get a new key';
  byId('key-note').textContent = note;
}

function select(channel, urls = null) {
  selected = channel;
  byId('setup').hidden = false;
  byId('setup-channel').textContent = channel.title || channel.name;
  showIngestUrls(urls);
  const key = keys.get(channel.name);
  showKey(key, key
    ? 'Keep the key secret: anyone with it can stream to your channel. It is shown only now; regenerating makes a new one.'
    : 'The key is stored only as a hash and cannot be shown again. Regenerate to get a new one (the old one stops working).');
  byId('setup').scrollIntoView({ block: 'nearest' });
  showProfile(channel);
  refreshHealth();
}

/** The channel page's texts and avatar, editable here. */
function showProfile(channel) {
  selected = { ...selected, ...channel };
  const form = byId('profile-form');
  byId('profile').hidden = false;
  byId('profile-link').href = `/c/${encodeURIComponent(channel.name)}`;
  if (!form.contains(document.activeElement)) {
    form.title.value = channel.title ?? '';
    form.description.value = channel.description ?? '';
    form.next_stream.value = channel.next_stream ?? '';
  }
  const avatar = byId('profile-avatar');
  const title = channel.title || channel.name;
  avatar.replaceChildren(channel.avatar ? el('img', { src: channel.avatar, alt: '' }) : el('span', {}, title.slice(0, 1).toUpperCase()));
  byId('avatar-remove').hidden = !channel.avatar;
}

async function saveProfile(form) {
  if (!selected) return;
  const note = byId('profile-note');
  note.textContent = '';
  try {
    const body = await send('PATCH', `/api/v1/channels/${encodeURIComponent(selected.name)}`, {
      title: form.title.value.trim(), description: form.description.value.trim(), next_stream: form.next_stream.value.trim(),
    });
    showProfile(body.channel);
    byId('setup-channel').textContent = body.channel.title || body.channel.name;
    note.textContent = 'Saved.';
    await loadChannels();
  } catch (e) {
    note.textContent = `Couldn't save: ${e.message}.`;
  }
}

const MAX_AVATAR_BYTES = 512 * 1024;

async function uploadAvatar(file) {
  const note = byId('avatar-note');
  note.textContent = '';
  if (!selected || !file) return;
  if (file.size > MAX_AVATAR_BYTES) {
    note.textContent = `That image is ${Math.round(file.size / 1024)} KiB; the avatar can be at most 512 KiB.`;
    return;
  }
  let response;
  try {
    response = await fetch(`/api/v1/channels/${encodeURIComponent(selected.name)}/avatar`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      body: file,
    });
  } catch {
    note.textContent = 'The server is unreachable; try again.';
    return;
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    note.textContent = body?.error?.message ? `Not accepted: ${body.error.message}.` : `Upload failed (${response.status}).`;
    return;
  }
  showProfile({ ...selected, avatar: body.avatar });
  byId('profile-note').textContent = 'Avatar updated.';
}

async function removeAvatar() {
  if (!selected) return;
  try {
    await send('DELETE', `/api/v1/channels/${encodeURIComponent(selected.name)}/avatar`);
    showProfile({ ...selected, avatar: null });
  } catch (e) {
    byId('avatar-note').textContent = `Couldn't remove the avatar: ${e.message}.`;
  }
}

async function createChannel(form) {
  const error = byId('create-error');
  error.textContent = '';
  const name = form.name.value.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    error.textContent = 'Use 1 to 64 letters, digits, "-" or "_" for the name.';
    form.name.focus();
    return;
  }
  try {
    const body = await send('POST', '/api/v1/channels', { name, title: form.title.value.trim() || name });
    keys.set(name, body.stream_key);
    form.reset();
    await loadChannels();
    select(body.channel ?? { name, title: name }, body);
    status(`Channel "${name}" created.`);
  } catch (e) {
    error.textContent = e.status === 409 ? `There is already a channel named "${name}".` : `Couldn't create the channel: ${e.message}.`;
  }
}

async function regenerate() {
  if (!selected) return;
  const ok = window.confirm(`Make a new stream key for "${selected.name}"? The current key stops working at once.`);
  if (!ok) return;
  try {
    const body = await send('POST', `/api/v1/channels/${encodeURIComponent(selected.name)}/key`);
    keys.set(selected.name, body.stream_key);
    select(selected, body);
    byId('key-note').textContent = 'New key made. Update it in OBS; the old one no longer works.';
  } catch (e) {
    byId('key-note').textContent = `Couldn't regenerate the key: ${e.message}.`;
  }
}

function renderHealth(live) {
  const health = byId('health');
  const items = [
    ['Status', live.publishing === false ? 'Reconnecting…' : 'Live'],
    ['Resolution', live.width ? `${live.width}×${live.height}` : '—'],
    ['Bitrate', formatBitrate(live.bitrate) || '—'],
    ['Frame rate', live.frame_rate ? `${Math.round(live.frame_rate * 100) / 100} fps` : '—'],
    ['Keyframe interval', live.keyframe_interval ? `${live.keyframe_interval.toFixed(1)} s` : '—'],
    ['Dropped frames', typeof live.dropped_frames === 'number' ? String(live.dropped_frames) : '—'],
    ['Viewers', String(live.viewers ?? 0)],
    ['Uptime', `${Math.round(live.uptime_seconds ?? 0)} s`],
  ];
  if (Array.isArray(live.rungs) && live.rungs.length) {
    items.push(['Ladder', live.rungs.map((r) => `${r.height}p${r.active ? '' : ' (shed)'}`).join(', ')]);
  }
  health.replaceChildren(...items.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const keyframe = live.keyframe_interval;
  if (keyframe && Math.abs(keyframe - 2) > 0.6) {
    health.append(el('dt', {}, 'Advice'), el('dd', { class: 'error' }, `Set the keyframe interval to 2 s (now ${keyframe.toFixed(1)} s).`));
  }
}

async function startPreview(name) {
  if (previewing === name) return;
  previewing = name;
  previewEngine?.destroy();
  const { attach } = await import('./engine-hls.js');
  previewEngine = attach(byId('preview'), `/live/${encodeURIComponent(name)}/master.m3u8`,
    { changed: () => {}, fatal: () => {} });
}

function stopPreview() {
  previewEngine?.destroy();
  previewEngine = null;
  previewing = '';
}

async function refreshHealth() {
  if (!selected) return;
  let live = null;
  try {
    live = (await listLive()).find((c) => c.channel === selected.name) ?? null;
  } catch {
    live = null;
  }
  byId('monitor').hidden = !live;
  byId('monitor-heading').textContent = `Live preview: ${selected.title || selected.name}`;
  // Not live: "waiting for your stream" above the settings it needs.
  byId('waiting').hidden = Boolean(live);
  if (!live) {
    stopPreview();
    return;
  }
  renderHealth(live);
  startPreview(selected.name);
}

async function start() {
  await initChrome();
  const session = await requireSession();
  if (!session) return;
  byId('ladder-rows').replaceChildren(...RECOMMENDED.map(([size, rate]) => el('tr', {}, el('td', {}, size), el('td', {}, rate))));
  byId('bitrate-advice').textContent = 'Bitrate: by output size, see the table below (higher is not better beyond it)';
  const form = byId('create-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byId('create-submit'), () => createChannel(form));
  });
  byId('reveal-key').addEventListener('click', () => {
    const field = byId('stream-key');
    const show = field.type === 'password';
    field.type = show ? 'text' : 'password';
    byId('reveal-key').setAttribute('aria-pressed', String(show));
    byId('reveal-key').textContent = show ? 'Hide' : 'Reveal';
  });
  byId('copy-key').addEventListener('click', async () => {
    const ok = await copyText(byId('stream-key').value, byId('stream-key'));
    byId('key-note').textContent = ok ? 'Stream key copied.' : 'Copy failed: reveal the key and copy it by hand.';
  });
  for (const [button, field] of [['copy-url', 'rtmp-url'], ['copy-rtmps-url', 'rtmps-url']]) {
    byId(button).addEventListener('click', async () => {
      const ok = await copyText(byId(field).value, byId(field));
      byId('key-note').textContent = ok ? 'Server URL copied.' : 'Copy failed: select the URL and copy it by hand.';
    });
  }
  byId('regenerate-key').addEventListener('click', (event) => whileBusy(event.currentTarget, regenerate));
  const profileForm = byId('profile-form');
  profileForm.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byId('profile-submit'), () => saveProfile(profileForm));
  });
  byId('avatar-input').addEventListener('change', (event) => {
    const file = event.currentTarget.files?.[0];
    uploadAvatar(file).finally(() => { event.target.value = ''; });
  });
  byId('avatar-remove').addEventListener('click', (event) => whileBusy(event.currentTarget, removeAvatar));
  try {
    ingest = await getIngestUrls();
  } catch {
    // The fallback URL below still names this host; the key response brings the real one.
  }
  try {
    const channels = await loadChannels();
    // ?channel=NAME (the channel page's "Edit channel"), else the only one.
    const wanted = new URLSearchParams(location.search).get('channel');
    const chosen = channels.find((c) => c.name === wanted) ?? (channels.length === 1 ? channels[0] : null);
    if (chosen) select(chosen);
  } catch (e) {
    status(`Couldn't load your channels: ${e.message}.`);
  }
  setInterval(() => {
    if (document.visibilityState === 'visible') refreshHealth();
  }, HEALTH_REFRESH_MS);
}

start();
