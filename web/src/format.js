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

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** "1 h 2 min", "3 min 5 s", "12 s"; '' when unknown. */
export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/** Frames per second for people: at most 2 decimals, no float noise ("116.8 fps", "29.97 fps"). */
export function formatFps(fps) {
  const n = Number(fps);
  if (!Number.isFinite(n) || n <= 0) return '';
  return `${Math.round(n * 100) / 100} fps`;
}
