// Watch page: plays a live channel or a video with hls.js or dash.js, and
// exposes window.tidecastPlayer for the browser end-to-end tests. The embed
// page (embed.html, <body class="embed">) runs this same script with just the
// player: no site chrome, chat, share panel or player bar.
import { getVideo, listLive, videoUrls } from './api.js';
import { initChrome } from './chrome.js';
import { initLiveChat, initReplayChat } from './chat.js';
import { byId, el } from './dom.js';
import { subscribe } from './events.js';
import { levelLabel, levelName } from './format.js';
import { initSharePanel } from './share.js';
import { ENGINES, NotFound, readQuery, resolveSource } from './source.js';
import { initUnmute } from './unmute.js';
import { sendView } from './views.js';
import { addView, showInfo, showNotFound } from './watch-info.js';
import { initShortcuts } from './watch-keys.js';
import { initStoryboard } from './storyboard.js';

// Each engine is a separate bundle next to this one, loaded on demand.
const loadEngine = {
  hls: () => import('./engine-hls.js'),
  dash: () => import('./engine-dash.js'),
};
const LIVE_CHECK_MS = 5000;

const embedded = document.body.classList.contains('embed');
// The player bar's controls; the embed page has none of them (null).
const optional = (id) => document.getElementById(id);
const video = byId('video');
const status = byId('status');
const quality = optional('quality');
const liveBadge = optional('live-badge');
const latency = optional('latency');
const jumpLive = optional('jump-live');
const query = readQuery();
let unmute = null;

let adapter = null;
let requestedLevel = -1;  // what the menu shows: -1 = auto
let recordingId = null;   // the live channel's recording, offered when the stream ends
let ended = false;        // a live page that is not playing a presentation (offline or ended)
let sourceTitle = '';
let engineModule = null;
let liveGeneration = 0;   // bumped on every live state change; stale async steps check it
let lowLatency = false;   // the live channel is low-latency (LL-HLS): hls.js lowLatencyMode

/** The test hook; its shape is part of the contract with tests/e2e/browser. */
const player = {
  engine: query.engine,
  native: false,
  source: null,
  started: false,
  stalls: 0,
  errors: [],
  ended: false,
  // Live pages: 'loading' → 'offline' | 'starting' → 'playing' → 'ended' → 'starting' → ...
  state: 'loading',
  liveStarts: 0,  // presentations this page attached a player to (a channel going live again: +1)
  offlineReason: null,  // what the player said when the channel turned out not to be live
  liveChecks: 0,  // looks at /api/v1/live for the end (or start) of a live stream
  levels: () => (adapter ? adapter.levels() : []),
  setLevel(index) {
    requestedLevel = Number(index);
    adapter?.setLevel(requestedLevel);
    updateControls();
  },
  currentLevel: () => (adapter ? adapter.currentLevel() : -1),
  isLive: () => Boolean(adapter?.isLive()),
  latency: () => adapter?.latency?.() ?? null,
  jumpToLive: () => adapter?.seekToLive(),
  embedded,
  notFound: false,
  viewCounted: null,  // after the first 'playing' of a video: whether the server counted the view
  unmuteOverlay: () => unmute?.state() ?? null,
};
window.tidecastPlayer = player;

function setStatus(text) {
  status.textContent = text;
}

let sourceKind = null;

function fail(detail) {
  if (ended) return;  // the end of a live stream is not a playback problem
  // Library messages can embed whole playlists: keep one readable line.
  const flat = String(detail).replace(/\s+/g, ' ').trim();
  const message = flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
  // A channel that never started playing is most likely just not live (any
  // more): say so, not the player's words.
  if (sourceKind === 'live' && !player.started) {
    player.offlineReason = message;
    showOffline();
    return;
  }
  player.errors.push(message);
  setStatus(`Playback problem: ${message}`);
}

function renderQualityMenu() {
  if (!quality) return;
  const levels = player.levels();
  const current = player.currentLevel();
  const auto = requestedLevel < 0;
  const autoText = auto && levels[current] ? `Auto (${levelName(levels[current])})` : 'Auto';
  const wanted = [autoText, ...levels.map(levelLabel)];
  const have = [...quality.options].map((o) => o.textContent);
  if (wanted.join('\n') !== have.join('\n')) {
    quality.replaceChildren(...wanted.map((text, i) => el('option', { value: i - 1 }, text)));
  }
  quality.value = String(requestedLevel);
  quality.disabled = levels.length < 2;
}

function updateControls() {
  renderQualityMenu();
  if (!liveBadge) return;  // the embed page: the video's own controls only
  const live = player.isLive() && !ended;
  liveBadge.hidden = !live;
  jumpLive.hidden = !live;
  const behind = live && adapter.behindLive();
  liveBadge.classList.toggle('behind', behind);
  liveBadge.title = behind ? 'Behind the live edge' : 'At the live edge';
  jumpLive.disabled = live && !behind;
  const seconds = live ? player.latency() : null;
  latency.hidden = seconds === null;
  if (seconds !== null) latency.textContent = `${seconds.toFixed(1)} s behind live`;
}

function renderEngineLinks() {
  for (const engine of ENGINES) {
    const link = optional(`engine-${engine}`);
    if (!link) continue;
    const params = new URLSearchParams(location.search);
    params.set('engine', engine);
    link.href = `?${params}`;
    if (engine === query.engine) link.setAttribute('aria-current', 'page');
  }
}

function watchPlayback() {
  video.addEventListener('playing', () => {
    if (!player.started) setStatus('');
    player.started = true;
    countView();
  });
  video.addEventListener('waiting', () => {
    if (player.started) player.stalls += 1;
  });
}

/** Once per page, when a video on demand really plays (views.js). */
let viewSent = false;
async function countView() {
  if (sourceKind !== 'video' || viewSent) return;
  viewSent = true;
  const counted = await sendView(query.video);
  player.viewCounted = counted;
  if (counted) addView();
}

function initPictureInPicture() {
  const button = optional('pip');
  if (!button) return;
  if (!document.pictureInPictureEnabled || video.disablePictureInPicture) return;
  button.hidden = false;
  button.addEventListener('click', () => togglePictureInPicture());
}

export async function togglePictureInPicture() {
  try {
    if (document.pictureInPictureElement) await document.exitPictureInPicture();
    else await video.requestPictureInPicture();
  } catch (error) {
    setStatus(`Picture in picture is not available: ${error.message}`);
  }
}

/** The settings menu (HLS/DASH) closes on a click elsewhere or Escape, like any menu. */
function initSettingsMenu() {
  const menu = optional('settings');
  if (!menu) return;
  document.addEventListener('click', (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
}

function initShare() {
  const button = optional('share');
  if (!button) return;
  initSharePanel(button, byId('share-panel'), { query, title: () => sourceTitle || document.title, setStatus });
}

/** Stops the live player: its presentation is over (or never began). */
function stopLive(state) {
  liveGeneration += 1;
  ended = true;
  player.ended = true;
  player.state = state;
  adapter?.destroy();
  adapter = null;
  updateControls();
}

/** A live channel that is not live: its title and "offline"; it starts by itself when the channel does. */
function showOffline() {
  stopLive('offline');
  byId('ended').hidden = true;
  byId('offline-title').textContent = sourceTitle;
  byId('offline').hidden = false;
  setStatus(`${sourceTitle} is offline.`);
}

/** Shows "stream ended" over the player and offers the recording once it is ready. */
async function showEnded() {
  if (ended) return;
  stopLive('ended');
  const generation = liveGeneration;
  byId('offline').hidden = true;
  byId('ended').hidden = false;
  setStatus('The stream has ended.');
  if (!recordingId) {
    byId('ended-detail').textContent = 'Thanks for watching.';
    return;
  }
  const link = byId('ended-recording');
  link.href = `/watch.html?video=${encodeURIComponent(recordingId)}`;
  for (let i = 0; i < 60; i += 1) {
    const info = await getVideo(recordingId).catch(() => null);
    if (generation !== liveGeneration) return;  // live again meanwhile
    if (!info) break;
    if (videoUrls(info).hls) {
      link.hidden = false;
      byId('ended-detail').textContent = 'The recording is ready.';
      return;
    }
    byId('ended-detail').textContent = 'The recording is being prepared…';
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (generation !== liveGeneration) return;
  }
  byId('ended-detail').textContent = 'Thanks for watching.';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The channel is live (page load, a live event, or the periodic check): wait
 * for its first segment (the playlist answers 200), then attach a player.
 */
async function goLive(entry) {
  if (!ended && player.state !== 'loading') return;  // already starting or playing
  liveGeneration += 1;
  const generation = liveGeneration;
  ended = false;
  player.ended = false;
  player.state = 'starting';
  player.started = false;
  recordingId = entry?.recording_id || null;
  const url = entry?.[query.engine] || player.source;
  for (let i = 0; i < 60; i += 1) {
    const response = await fetch(url, { cache: 'no-store' }).catch(() => null);
    if (generation !== liveGeneration) return;
    if (response?.ok) break;
    await sleep(500);
    if (generation !== liveGeneration) return;
  }
  // Its recording began with the first segment: offered when the stream ends.
  const fresh = await liveEntry();
  if (generation !== liveGeneration) return;
  recordingId = fresh?.recording_id || recordingId;
  lowLatency = (fresh ?? entry)?.latency_mode === 'low';
  byId('offline').hidden = true;
  byId('ended').hidden = true;
  byId('ended-recording').hidden = true;
  byId('ended-detail').textContent = 'Thanks for watching.';
  setStatus('Loading…');
  player.source = url;
  player.state = 'playing';
  player.liveStarts += 1;
  attachPlayer(url);
}

/** The live list's entry for this page's channel; undefined when the server is unreachable. */
async function liveEntry() {
  try {
    return (await listLive()).find((c) => c.channel === query.channel) ?? null;
  } catch {
    return undefined;  // the server being unreachable is not the stream ending
  }
}

async function liveChanged(live) {
  if (live && ended) {
    const entry = await liveEntry();
    if (entry) goLive(entry);
  } else if (!live && !ended) {
    if (player.state === 'playing') showEnded();
    else showOffline();  // ended before its first segment
  }
}

/** Follows the channel going live and ending: live events, and a periodic look as a fallback. */
function watchLive(channel) {
  subscribe({
    live: (data) => {
      if (data?.channel === channel) liveChanged(Boolean(data.live));
    },
  });
  const check = async () => {
    player.liveChecks += 1;
    const entry = await liveEntry();
    if (entry) {
      recordingId = entry.recording_id || recordingId;
      if (ended) goLive(entry);
    } else if (entry === null && !ended && player.state === 'playing') {
      showEnded();
    }
    setTimeout(check, LIVE_CHECK_MS);
  };
  setTimeout(check, LIVE_CHECK_MS);
}

function attachPlayer(url) {
  // Muted autoplay is allowed everywhere. The <video autoplay> attribute (and
  // dash.js's own autoplay) start playback: an extra video.play() here races
  // dash.js, which then misses the 'play' event and never refreshes a live MPD.
  video.muted = true;
  try {
    adapter = engineModule.attach(video, url, { changed: updateControls, fatal: fail },
      { debug: query.debug, lowLatency });
  } catch (error) {
    fail(`${query.engine} player failed to start (${error.message})`);
  }
  if (!adapter) return;
  player.native = adapter.native;
  updateControls();
}

async function start() {
  renderEngineLinks();
  watchPlayback();
  unmute = initUnmute(video, byId('unmute'));
  initPictureInPicture();
  initShare();
  initSettingsMenu();
  if (!embedded) initShortcuts(video, { togglePictureInPicture, setStatus });
  quality?.addEventListener('change', () => player.setLevel(quality.value));
  jumpLive?.addEventListener('click', () => player.jumpToLive());
  setInterval(() => adapter && updateControls(), 1000);

  let source;
  try {
    source = await resolveSource(query);
  } catch (error) {
    if (error instanceof NotFound) {
      player.notFound = true;
      player.state = 'not-found';
      showNotFound(error.message);
      return;
    }
    byId('title').textContent = 'Nothing to play';
    fail(error.message);
    return;
  }
  player.source = source.url;
  sourceKind = source.kind;
  sourceTitle = source.title;
  document.title = `${source.title} · Tidecast`;
  byId('title').textContent = source.title;
  video.setAttribute('aria-label', `${source.kind === 'live' ? 'Live: ' : ''}${source.title}`);
  if (!embedded) {
    showInfo(source.kind === 'video' ? { video: source.video } : { channel: { name: query.channel, title: source.title } });
  }
  if (source.kind === 'video') {
    const description = optional('description');
    if (description) description.textContent = source.video.description ?? '';
    if (source.urls.poster) video.poster = source.urls.poster;
    const download = optional('download');
    if (source.urls.download && download) {
      download.href = source.urls.download;
      download.hidden = false;
    }
    if (!embedded) initStoryboard(video, source.urls.storyboard || null);
  }
  setStatus('Loading…');

  try {
    engineModule = await loadEngine[query.engine]();
  } catch (error) {
    player.errors.push(`could not load the ${query.engine} player (${error.message})`);
    setStatus(`Playback problem: could not load the ${query.engine} player (${error.message})`);
    return;
  }
  // The chat does not wait for the player: it works while the channel is offline too.
  if (embedded) {
    // no chat in the embedded player
  } else if (source.kind === 'live') {
    initLiveChat(byId('chat'), query.channel);
  } else {
    initReplayChat(byId('chat'), query.video, video);
  }
  if (source.kind === 'live') {
    watchLive(query.channel);
    if (source.live) goLive(source.live);
    else showOffline();
    return;
  }
  attachPlayer(source.url);
}

start();
if (!embedded) initChrome();
