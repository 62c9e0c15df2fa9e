// Watch page: plays a live channel or a video with hls.js or dash.js, and
// exposes window.tidecastPlayer for the browser end-to-end tests.
import { byId, el } from './dom.js';
import { levelLabel, levelName } from './format.js';
import { showServerVersion } from './footer.js';
import { ENGINES, readQuery, resolveSource } from './source.js';

// Each engine is a separate bundle next to this one, loaded on demand.
const loadEngine = {
  hls: () => import('./engine-hls.js'),
  dash: () => import('./engine-dash.js'),
};

const video = byId('video');
const status = byId('status');
const quality = byId('quality');
const liveBadge = byId('live-badge');
const jumpLive = byId('jump-live');
const query = readQuery();

let adapter = null;
let requestedLevel = -1;  // what the menu shows: -1 = auto

/** The test hook; its shape is part of the contract with tests/e2e/browser. */
const player = {
  engine: query.engine,
  native: false,
  source: null,
  started: false,
  stalls: 0,
  errors: [],
  levels: () => (adapter ? adapter.levels() : []),
  setLevel(index) {
    requestedLevel = Number(index);
    adapter?.setLevel(requestedLevel);
    updateControls();
  },
  currentLevel: () => (adapter ? adapter.currentLevel() : -1),
  isLive: () => Boolean(adapter?.isLive()),
  jumpToLive: () => adapter?.seekToLive(),
};
window.tidecastPlayer = player;

function setStatus(text) {
  status.textContent = text;
}

let sourceKind = null;

function fail(detail) {
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
  const live = player.isLive();
  liveBadge.hidden = !live;
  jumpLive.hidden = !live;
  const behind = live && adapter.behindLive();
  liveBadge.classList.toggle('behind', behind);
  liveBadge.title = behind ? 'Behind the live edge' : 'At the live edge';
  jumpLive.disabled = live && !behind;
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

async function start() {
  renderEngineLinks();
  watchPlayback();
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
showServerVersion();
