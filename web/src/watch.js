// Watch page: plays a live channel or a video with hls.js or dash.js, and
// exposes window.tidecastPlayer for the browser end-to-end tests.
import { getVideo, listLive, videoUrls } from './api.js';
import { copyText } from './busy.js';
import { initChrome } from './chrome.js';
import { byId, el } from './dom.js';
import { levelLabel, levelName } from './format.js';
import { ENGINES, readQuery, resolveSource } from './source.js';
import { initShortcuts } from './watch-keys.js';
import { initStoryboard } from './storyboard.js';

// Each engine is a separate bundle next to this one, loaded on demand.
const loadEngine = {
  hls: () => import('./engine-hls.js'),
  dash: () => import('./engine-dash.js'),
};
const LIVE_CHECK_MS = 5000;

const video = byId('video');
const status = byId('status');
const quality = byId('quality');
const liveBadge = byId('live-badge');
const latency = byId('latency');
const jumpLive = byId('jump-live');
const query = readQuery();

let adapter = null;
let requestedLevel = -1;  // what the menu shows: -1 = auto
let recordingId = null;   // the live channel's recording, offered when the stream ends
let ended = false;

/** The test hook; its shape is part of the contract with tests/e2e/browser. */
const player = {
  engine: query.engine,
  native: false,
  source: null,
  started: false,
  stalls: 0,
  errors: [],
  ended: false,
  liveChecks: 0,  // looks at /api/v1/live for the end of a live stream
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
  player.errors.push(message);
  // A channel that never started playing is most likely just not live.
  const offline = sourceKind === 'live' && !player.started;
  setStatus(offline ? `This channel isn't live right now (${message}).` : `Playback problem: ${message}`);
}

function renderQualityMenu() {
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
    const link = byId(`engine-${engine}`);
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
  });
  video.addEventListener('waiting', () => {
    if (player.started) player.stalls += 1;
  });
}

function initPictureInPicture() {
  const button = byId('pip');
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

function initShare() {
  byId('share').addEventListener('click', async () => {
    const url = new URL(location.href);
    url.searchParams.delete('debug');
    const ok = await copyText(url.href);
    setStatus(ok ? 'Link copied.' : `Copy this link: ${url.href}`);
  });
}

/** Shows "stream ended" over the player and offers the recording once it is ready. */
async function showEnded() {
  if (ended) return;
  ended = true;
  player.ended = true;
  adapter?.destroy();
  adapter = null;
  updateControls();
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
    if (!info) break;
    if (videoUrls(info).hls) {
      link.hidden = false;
      byId('ended-detail').textContent = 'The recording is ready.';
      return;
    }
    byId('ended-detail').textContent = 'The recording is being prepared…';
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  byId('ended-detail').textContent = 'Thanks for watching.';
}

function watchLiveEnd(channel) {
  let seenLive = false;
  const check = async () => {
    if (ended) return;
    player.liveChecks += 1;
    let entry = null;
    let reachable = true;
    try {
      entry = (await listLive()).find((c) => c.channel === channel) ?? null;
    } catch {
      reachable = false;  // the server being unreachable is not the stream ending
    }
    if (entry) {
      seenLive = true;
      recordingId = entry.recording_id || recordingId;
    } else if (reachable && (seenLive || player.started)) {
      showEnded();
      return;
    }
    setTimeout(check, LIVE_CHECK_MS);
  };
  check();
}

async function start() {
  renderEngineLinks();
  watchPlayback();
  initPictureInPicture();
  initShare();
  initShortcuts(video, { togglePictureInPicture, setStatus });
  quality.addEventListener('change', () => player.setLevel(quality.value));
  jumpLive.addEventListener('click', () => player.jumpToLive());
  setInterval(() => adapter && updateControls(), 1000);

  let source;
  try {
    source = await resolveSource(query);
  } catch (error) {
    byId('title').textContent = 'Nothing to play';
    fail(error.message);
    return;
  }
  player.source = source.url;
  sourceKind = source.kind;
  document.title = `${source.title} · Tidecast`;
  byId('title').textContent = source.title;
  video.setAttribute('aria-label', `${source.kind === 'live' ? 'Live: ' : ''}${source.title}`);
  if (source.kind === 'video') {
    byId('description').textContent = source.video.description ?? '';
    if (source.urls.poster) video.poster = source.urls.poster;
    if (source.urls.download) {
      const download = byId('download');
      download.href = source.urls.download;
      download.hidden = false;
    }
    if (source.urls.storyboard) initStoryboard(video, source.urls.storyboard);
    else initStoryboard(video, null);
  } else {
    recordingId = source.live?.recording_id ?? null;
    watchLiveEnd(query.channel);
  }
  setStatus('Loading…');

  let engine;
  try {
    engine = await loadEngine[query.engine]();
  } catch (error) {
    fail(`could not load the ${query.engine} player (${error.message})`);
    return;
  }
  // Muted autoplay is allowed everywhere. The <video autoplay> attribute (and
  // dash.js's own autoplay) start playback: an extra video.play() here races
  // dash.js, which then misses the 'play' event and never refreshes a live MPD.
  video.muted = true;
  try {
    adapter = engine.attach(video, source.url, { changed: updateControls, fatal: fail }, { debug: query.debug });
  } catch (error) {
    fail(`${query.engine} player failed to start (${error.message})`);
  }
  if (!adapter) return;
  player.native = adapter.native;
  updateControls();
}

start();
initChrome();
