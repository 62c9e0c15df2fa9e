// Channel page (/c/<channel>): the channel's title, description and avatar,
// an offline banner with its "next stream" text, its past streams, and the
// live player + chat while it is live. While offline it looks every couple of
// seconds and starts playing by itself when the channel goes live (no
// reload). Plays with the watch page's engines (player/engine-*.js).
// window.tidecastPlayer has the watch page's live fields for the e2e tests.
import { getJson, videoUrls } from './api.js';
import { initChrome } from './chrome.js';
import { initLiveChat } from './chat.js';
import { byId, el } from './dom.js';
import { formatDuration } from './format.js';
import { thumbnail } from './thumb.js';

const OFFLINE_CHECK_MS = 2000;
const LIVE_CHECK_MS = 5000;
const name = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const video = byId('video');

const player = {
  engine: 'hls',
  state: 'loading',  // loading → offline | starting → playing → offline → ...
  liveStarts: 0,
  errors: [],
  offlineReason: null,
  started: false,
  liveChecks: 0,
};
window.tidecastPlayer = player;

let channel = null;
let adapter = null;
let generation = 0;  // bumped on every live change; stale async steps check it
let chatStarted = false;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function setStatus(text) {
  byId('status').textContent = text;
}

function displayTitle() {
  return channel?.title || name;
}

function renderProfile() {
  const title = displayTitle();
  byId('title').textContent = title;
  byId('channel-name').textContent = `/c/${name}`;
  byId('description').textContent = channel.description ?? '';
  const avatar = byId('avatar');
  if (channel.avatar) {
    avatar.replaceChildren(el('img', { src: channel.avatar, alt: '' }));
  } else {
    avatar.replaceChildren(el('span', {}, title.slice(0, 1).toUpperCase()));
  }
  byId('offline-title').textContent = title;
  const next = byId('next-stream');
  next.textContent = channel.next_stream ? `Next stream: ${channel.next_stream}` : '';
  next.hidden = !channel.next_stream;
  byId('live-badge').hidden = !channel.live;
  byId('viewers').textContent = channel.live ? `${channel.viewers ?? 0} watching` : '';
}

function recordingCard(item) {
  const urls = videoUrls(item);
  const href = `/watch.html?video=${encodeURIComponent(item.id)}`;
  const when = item.created_at ? new Date(item.created_at * (item.created_at < 1e12 ? 1000 : 1)).toLocaleDateString() : '';
  return el('li', { class: 'card' },
    thumbnail({ poster: urls.poster, name: item.title || item.id, label: formatDuration(item.duration_ms) }),
    el('div', { class: 'card-body' },
      el('h3', {}, el('a', { href, class: 'card-link' }, item.title || item.id)),
      when ? el('p', { class: 'meta' }, when) : null));
}

async function loadRecordings() {
  const list = byId('recordings');
  const status = byId('recordings-status');
  try {
    const body = await getJson(`/api/v1/videos?${new URLSearchParams({ channel: name, limit: '24' })}`);
    const items = Array.isArray(body?.videos) ? body.videos : [];
    list.replaceChildren(...items.map(recordingCard));
    status.textContent = items.length ? '' : 'No past streams yet.';
  } catch (error) {
    status.textContent = `Couldn't load past streams: ${error.message}.`;
  }
  list.setAttribute('aria-busy', 'false');
}

/** The channel as the server sees it now; undefined when unreachable (not the same as offline). */
async function fetchChannel() {
  try {
    const body = await getJson(`/api/v1/channels/${encodeURIComponent(name)}`);
    return body?.channel ?? null;
  } catch {
    return undefined;
  }
}

function showOffline() {
  generation += 1;
  adapter?.destroy();
  adapter = null;
  player.state = 'offline';
  byId('live-area').hidden = true;
  byId('offline').hidden = false;
  setStatus('');  // the banner says it
}

function fail(detail) {
  const message = String(detail).replace(/\s+/g, ' ').trim().slice(0, 300);
  if (!player.started) {
    // Not playing yet: most likely the stream ended before it began.
    player.offlineReason = message;
    return;
  }
  player.errors.push(message);
  setStatus(`Playback problem: ${message}`);
}

/** Live: wait for the first segment (the playlist answers 200), then attach the player. */
async function goLive() {
  if (player.state === 'starting' || player.state === 'playing') return;
  generation += 1;
  const mine = generation;
  player.state = 'starting';
  player.started = false;
  const url = channel?.hls || `/live/${encodeURIComponent(name)}/master.m3u8`;
  for (let i = 0; i < 60; i += 1) {
    const response = await fetch(url, { cache: 'no-store' }).catch(() => null);
    if (mine !== generation) return;
    if (response?.ok) break;
    await sleep(500);
    if (mine !== generation) return;
  }
  let engine;
  try {
    engine = await import('./engine-hls.js');
  } catch (error) {
    player.errors.push(`could not load the player (${error.message})`);
    setStatus(`Playback problem: could not load the player (${error.message})`);
    return;
  }
  if (mine !== generation) return;
  byId('offline').hidden = true;
  byId('live-area').hidden = false;
  setStatus('');
  if (!chatStarted) {
    chatStarted = true;
    initLiveChat(byId('chat'), name);
  }
  video.muted = true;  // muted autoplay is allowed everywhere
  player.state = 'playing';
  player.liveStarts += 1;
  adapter = engine.attach(video, url, { changed: () => {}, fatal: fail }, { lowLatency: channel?.latency_mode === 'low' });
}

async function check() {
  player.liveChecks += 1;
  const fresh = await fetchChannel();
  if (fresh) {
    channel = fresh;
    renderProfile();
    if (fresh.live) {
      goLive();
    } else if (player.state !== 'offline') {
      const wasPlaying = player.state === 'playing';
      showOffline();
      if (wasPlaying) setTimeout(loadRecordings, 5000);  // its recording shows up once converted
    }
  }
  setTimeout(check, player.state === 'offline' ? OFFLINE_CHECK_MS : LIVE_CHECK_MS);
}

async function start() {
  video.addEventListener('playing', () => { player.started = true; });
  const [session, fresh] = await Promise.all([initChrome(), fetchChannel()]);
  channel = fresh;
  if (!channel) {
    byId('title').textContent = 'Channel not found';
    setStatus(channel === null ? `There is no channel called "${name}".` : 'The server is unreachable.');
    byId('recordings-status').textContent = '';
    return;
  }
  renderProfile();
  const user = session?.user;
  const manage = byId('manage-channel');
  manage.href = `/golive.html?channel=${encodeURIComponent(name)}`;
  manage.hidden = !(user && (user.role === 'admin' || user.name === channel.owner));
  loadRecordings();
  if (channel.live) goLive();
  else showOffline();
  setTimeout(check, channel.live ? LIVE_CHECK_MS : OFFLINE_CHECK_MS);
}

start();
