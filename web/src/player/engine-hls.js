// HLS engine: hls.js over Media Source Extensions, or the browser's own HLS
// support (iOS Safari) when MSE is missing. Built as its own bundle
// (/assets/engine-hls.js) so pages that play DASH never download it.
import Hls from 'hls.js';

/** How far behind the live edge (beyond the target latency) counts as "behind". */
const BEHIND_SECONDS = 6;

function attachNative(video, url, hooks) {
  video.src = url;
  const isLive = () => video.duration === Infinity;
  video.addEventListener('durationchange', () => hooks.changed());
  video.addEventListener('error', () => {
    const err = video.error;
    hooks.fatal(`native: media error ${err?.code ?? '?'}${err?.message ? ` (${err.message})` : ''}`);
  });
  const liveEdge = () => (video.seekable.length ? video.seekable.end(video.seekable.length - 1) : null);
  return {
    native: true,
    levels: () => [],
    setLevel: () => {},
    currentLevel: () => -1,
    isLive,
    behindLive() {
      const edge = liveEdge();
      return isLive() && edge !== null && edge - video.currentTime > BEHIND_SECONDS + 6;
    },
    latency() {
      const edge = liveEdge();
      return isLive() && edge !== null ? Math.max(0, edge - video.currentTime) : null;
    },
    seekToLive() {
      const edge = liveEdge();
      if (edge !== null) video.currentTime = Math.max(0, edge - 3);
    },
    destroy() {
      video.removeAttribute('src');
      video.load();
    },
  };
}

/**
 * Playlists are retried for about half a minute, a 404 too: a live channel
 * moving to another server of a cluster (its server failed) answers errors,
 * then "not live", for a few seconds before the new server's playlist
 * continues it. hls.js's default gives up after two retries.
 */
const PLAYLIST_LOAD_POLICY = {
  default: {
    maxTimeToFirstByteMs: 10000,
    maxLoadTimeMs: 20000,
    timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
    errorRetry: {
      maxNumRetry: 12,
      retryDelayMs: 1000,
      maxRetryDelayMs: 3000,
      shouldRetry: (config, count, timeout, response, retry) =>
        retry || (response?.code === 404 && count < config.maxNumRetry),
    },
  },
};

/**
 * The server's clock minus ours (ms), from its /api/v1/time next to the
 * playlist (the same clock that dates EXT-X-PROGRAM-DATE-TIME). `known`
 * stays false until it answers (or when it cannot be read): the viewer's own
 * clock may be off by any amount, so nothing is dated by it meanwhile.
 */
function serverClock(url) {
  const clock = { offsetMs: 0, known: false };
  const sent = Date.now();
  fetch(new URL('/api/v1/time', new URL(url, location.href)), { cache: 'no-store' })
    .then((response) => (response.ok ? response.text() : Promise.reject(new Error(response.status))))
    .then((text) => {
      const server = Date.parse(text.trim());
      if (!Number.isFinite(server)) return;
      clock.offsetMs = server - (sent + Date.now()) / 2;
      clock.known = true;
    })
    .catch(() => {});
  return clock;
}

/**
 * Seconds from the encoder to the picture on screen: the server's clock now
 * minus the playing frame's EXT-X-PROGRAM-DATE-TIME (Tidecast dates each
 * segment by the wall clock at which its first frame arrived). Not hls.js's
 * `latency`: that counts from the live edge as of its last playlist load,
 * taken as current, so it understates by how stale that load was (up to a
 * target duration, plus the wait until a segment is listed: 5.6-6.4 s shown
 * against 8.1 s measured on a 2-s segment channel). Null without dates, or
 * until the server's clock is known.
 */
function datedLatency(hls, clock) {
  const playing = hls.playingDate;
  if (!playing || !clock?.known) return null;
  const seconds = (Date.now() + clock.offsetMs - playing.getTime()) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, seconds) : null;
}

function attachHlsJs(video, url, hooks, debug, lowLatency) {
  // Low latency only for a low-latency channel (LL-HLS: parts, blocking reload).
  // There hls.js may also play up to 1.1x to get back to its target after a
  // stall: at its default (1x) a viewer who joined while the playlist was one
  // segment long stays 5 s further behind for the rest of the session.
  const hls = new Hls({
    debug,
    lowLatencyMode: lowLatency,
    backBufferLength: 30,
    playlistLoadPolicy: PLAYLIST_LOAD_POLICY,
    ...(lowLatency ? { maxLiveSyncPlaybackRate: 1.1 } : {}),
  });
  let clock = null;  // the server's clock, read once the stream turns out to be live
  let live = false;
  let mediaRecoveries = 0;
  let destroyed = false;
  const destroy = () => {
    destroyed = true;
    hls.destroy();
  };

  hls.on(Hls.Events.MANIFEST_PARSED, () => hooks.changed());
  hls.on(Hls.Events.LEVEL_SWITCHED, () => hooks.changed());
  hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
    if (data.details.live !== live) {
      live = data.details.live;
      if (live && !clock) clock = serverClock(url);
      hooks.changed();
    }
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    hooks.fatal(`hls.js: ${data.type}/${data.details}${data.error?.message ? ` (${data.error.message})` : ''}`);
    // One recovery attempt for decode/append trouble; anything else ends playback.
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries++ === 0) hls.recoverMediaError();
    else destroy();
  });
  hls.loadSource(url);
  hls.attachMedia(video);

  return {
    native: false,
    levels: () => (destroyed ? [] : hls.levels).map((l) => ({ height: l.height || 0, width: l.width || 0, bitrate: l.bitrate || 0 })),
    // nextLevel switches at the next fragment boundary without emptying the
    // buffer under the playhead, so a manual switch does not stall playback.
    setLevel(index) {
      if (!destroyed) hls.nextLevel = index;
    },
    currentLevel: () => (destroyed ? -1 : hls.currentLevel),
    isLive: () => live && !destroyed,
    behindLive() {
      const target = hls.targetLatency ?? 0;
      return live && !destroyed && hls.latency - target > BEHIND_SECONDS;
    },
    latency() {
      if (!live || destroyed) return null;
      const dated = datedLatency(hls, clock);
      if (dated !== null) return dated;
      return Number.isFinite(hls.latency) ? hls.latency : null;
    },
    seekToLive() {
      const position = destroyed ? null : hls.liveSyncPosition;
      if (position !== null && Number.isFinite(position)) video.currentTime = position;
    },
    destroy,
  };
}

/**
 * Attaches an HLS source to `video`. `hooks.changed()` is called when levels,
 * the playing level or liveness change; `hooks.fatal(message)` on fatal errors.
 * `options.debug` turns on the library's console log; `options.lowLatency`
 * plays a low-latency channel's parts (LL-HLS) close to the live edge.
 */
export function attach(video, url, hooks, options = {}) {
  if (Hls.isSupported()) return attachHlsJs(video, url, hooks, Boolean(options.debug), Boolean(options.lowLatency));
  if (video.canPlayType('application/vnd.apple.mpegurl')) return attachNative(video, url, hooks);
  hooks.fatal('hls: this browser supports neither Media Source Extensions nor native HLS');
  return null;
}
