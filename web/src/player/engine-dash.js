// DASH engine: dash.js 5. Built as its own bundle (/assets/engine-dash.js)
// so pages that play HLS never download it. dash.js runs with its default
// time source: the MPD's UTCTiming element (the server's /api/v1/time), the
// same as on any other site that embeds a Tidecast stream.
import { Debug, MediaPlayer } from 'dashjs';

const BEHIND_SECONDS = 6;

// An MPD with a ServiceDescription is a low-latency channel (Tidecast writes
// one only then, with availabilityTimeOffset on its segments): keep to its
// latency target by live catch-up (playback rates and target from the MPD).
export function hasServiceDescription(manifest) {
  const description = manifest?.ServiceDescription;
  return Array.isArray(description) ? description.length > 0 : Boolean(description);
}

export const LOW_LATENCY_SETTINGS = {
  streaming: {
    applyServiceDescription: true,
    liveCatchup: { enabled: true, mode: 'liveCatchupModeDefault' },
  },
};

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
  const player = MediaPlayer().create();
  const events = MediaPlayer.events;
  let ready = false;
  let rendered = -1;

  // Levels are indices into dash.js's list of video Representations (lowest bitrate first).
  const representations = () => (ready ? player.getRepresentationsByType('video') : []);
  const indexOf = (representation) => (representation
    ? representations().findIndex((r) => r.id === representation.id) : -1);

  player.updateSettings({
    debug: { logLevel: options.debug ? Debug.LOG_LEVEL_DEBUG : Debug.LOG_LEVEL_WARNING },
  });
  player.on(events.MANIFEST_LOADED, (e) => {
    if (hasServiceDescription(e.data)) player.updateSettings(LOW_LATENCY_SETTINGS);
  });
  player.on(events.STREAM_INITIALIZED, () => {
    ready = true;
    rendered = indexOf(player.getCurrentRepresentationForType('video'));
    hooks.changed();
  });
  player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType !== 'video') return;
    rendered = indexOf(e.newRepresentation);
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
    levels: () => representations().map((r) => ({
      height: r.height || 0, width: r.width || 0, bitrate: r.bandwidth || 0,
    })),
    setLevel(index) {
      if (index < 0) {
        autoSwitch(true);
        return;
      }
      autoSwitch(false);
      // replace=true swaps the already-buffered segments ahead of the playhead,
      // so the new quality shows within a segment or two, not a whole buffer.
      player.setRepresentationForTypeByIndex('video', index, true);
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
