// The foreign page's player: a stock library with its default settings
// (nothing but the source URL is configured), so what plays here plays for
// any site that embeds a Tidecast stream. See player.html.
'use strict';

const LIBRARIES = {
  dashjs5: '/lib/dashjs/dist/modern/umd/dash.all.min.js',
  dashjs4: '/lib/dashjs4/dist/dash.all.min.js',
  shaka: '/lib/shaka-player/dist/shaka-player.compiled.js',
  hlsjs: '/lib/hls.js/dist/hls.min.js',
};

const probe = { ready: false, library: null, version: null, errors: [], warnings: [], clockOffsetMs: null };
window.probe = probe;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

function describe(error) {
  if (!error) return 'error';
  if (typeof error !== 'object') return String(error);
  const inner = error.error ?? error.detail ?? error;
  return [inner.code, inner.message, inner.details, inner.data && JSON.stringify(inner.data)]
    .filter((x) => x !== undefined && x !== null && x !== '').join(' ').slice(0, 500) || JSON.stringify(inner).slice(0, 500);
}

function startDashJs(video, src, config) {
  const player = window.dashjs.MediaPlayer().create();
  probe.version = player.getVersion();
  if (config) player.updateSettings(config);
  player.on(window.dashjs.MediaPlayer.events.ERROR, (e) => probe.errors.push(`dash.js: ${describe(e)}`));
  // An internal event, read only to report the clock offset dash.js settled on.
  player.on('updateTimeSyncOffset', (e) => { probe.clockOffsetMs = e.offset; });
  player.initialize(video, src, true);
  window.foreignPlayer = player;
}

async function startShaka(video, src, config) {
  window.shaka.polyfill.installAll();
  const player = new window.shaka.Player();
  probe.version = window.shaka.Player.version;
  if (config) player.configure(config);
  player.addEventListener('error', (e) => probe.errors.push(`shaka: ${describe(e.detail)}`));
  await player.attach(video);
  window.foreignPlayer = player;
  await player.load(src);
  await video.play().catch(() => {});
}

function startHlsJs(video, src, config) {
  const Hls = window.Hls;
  if (!Hls.isSupported()) throw new Error('hls.js: not supported here');
  const hls = new Hls(config ?? {});
  probe.version = Hls.version;
  hls.on(Hls.Events.ERROR, (_, data) => {
    const text = `hls.js: ${data.type} ${data.details}`;
    if (data.fatal) probe.errors.push(text);
    else probe.warnings.push(text);
  });
  hls.loadSource(src);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
  window.foreignPlayer = hls;
}

async function main() {
  const params = new URLSearchParams(location.search);
  const library = params.get('player');
  const src = params.get('src');
  // Optional: the player's configuration as JSON (a mode, e.g. hls.js lowLatencyMode);
  // absent, the library runs at its defaults.
  const config = params.has('config') ? JSON.parse(params.get('config')) : null;
  probe.library = library;
  if (!LIBRARIES[library] || !src) throw new Error('player.html wants ?player=dashjs5|dashjs4|shaka|hlsjs&src=URL');
  await loadScript(LIBRARIES[library]);
  const video = document.getElementById('video');
  if (library.startsWith('dashjs')) startDashJs(video, src, config);
  else if (library === 'shaka') await startShaka(video, src, config);
  else startHlsJs(video, src, config);
  probe.ready = true;
}

main().catch((error) => probe.errors.push(`page: ${describe(error)}`));
