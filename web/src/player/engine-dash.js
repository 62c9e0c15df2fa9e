// DASH engine: dash.js (MediaPlayer build only). Built as its own bundle
// (/assets/engine-dash.js) so pages that play HLS never download it.
import dashjs from 'dashjs/dist/dash.mediaplayer.min.js';

const BEHIND_SECONDS = 6;

/**
 * Attaches a DASH source to `video`. Same contract as engine-hls.js:
 * `hooks.changed()` on level/liveness changes, `hooks.fatal(message)` on errors,
 * `options.debug` for the library's console log.
 */
export function attach(video, url, hooks, options = {}) {
  if (!('MediaSource' in window || 'ManagedMediaSource' in window || 'WebKitMediaSource' in window)) {
    hooks.fatal('dash.js: this browser does not support Media Source Extensions');
    return null;
  }
  const player = dashjs.MediaPlayer().create();
  const events = dashjs.MediaPlayer.events;
  let ready = false;
  let rendered = -1;

  player.updateSettings({
    debug: { logLevel: options.debug ? dashjs.Debug.LOG_LEVEL_DEBUG : dashjs.Debug.LOG_LEVEL_WARNING },
    // The server is meant to work offline: never fall back to dash.js's
    // default internet time source when an MPD has no UTCTiming element.
    streaming: {
      utcSynchronization: {
        defaultTimingSource: { scheme: 'urn:mpeg:dash:utc:http-iso:2014', value: new URL('/api/v1/time', location.href).href },
      },
    },
  });
  player.on(events.STREAM_INITIALIZED, () => {
    ready = true;
    rendered = player.getQualityFor('video');
    hooks.changed();
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType !== 'video') return;
    rendered = e.newQuality;
    hooks.changed();
  });
  player.on(events.ERROR, (e) => {
    const err = e.error ?? {};
    const detail = typeof err === 'object' ? `${err.code ?? ''} ${err.message ?? ''}`.trim() : String(err);
    hooks.fatal(`dash.js: ${detail || 'error'}`);
  });
  player.initialize(video, url, true);

  const autoSwitch = (on) => player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: on } } } });

  return {
    native: false,
    levels: () => (ready ? player.getBitrateInfoListFor('video') : []).map((b) => ({
      height: b.height || 0, width: b.width || 0, bitrate: b.bitrate || 0,
    })),
    setLevel(index) {
      if (index < 0) {
        autoSwitch(true);
        return;
      }
      autoSwitch(false);
      // replace=true swaps the already-buffered segments ahead of the playhead,
      // so the new quality shows within a segment or two, not a whole buffer.
      player.setQualityFor('video', index, true);
    },
    currentLevel: () => rendered,
    isLive: () => ready && player.isDynamic(),
    behindLive() {
      if (!ready || !player.isDynamic()) return false;
      const latency = player.getCurrentLiveLatency();
      return Number.isFinite(latency) && latency - player.getTargetLiveDelay() > BEHIND_SECONDS;
    },
    latency() {
      if (!ready || !player.isDynamic()) return null;
      const latency = player.getCurrentLiveLatency();
      return Number.isFinite(latency) ? latency : null;
    },
    seekToLive: () => ready && player.seekToOriginalLive(),
    destroy() {
      ready = false;
      player.reset();
    },
  };
}
