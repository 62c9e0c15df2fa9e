// Human-readable labels for durations, bitrates and quality levels.

export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function formatBitrate(bps) {
  if (!bps) return '';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mb/s` : `${Math.round(bps / 1e3)} kb/s`;
}

/** Short name of a quality level: "720p", or its bitrate when the height is unknown. */
export function levelName(level) {
  return level.height ? `${level.height}p` : formatBitrate(level.bitrate);
}

/** Menu label of a quality level: "720p · 2.5 Mb/s". */
export function levelLabel(level) {
  return level.height && level.bitrate ? `${levelName(level)} · ${formatBitrate(level.bitrate)}` : levelName(level);
}
