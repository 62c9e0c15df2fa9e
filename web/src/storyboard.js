// The seek bar under the player for videos on demand, with a thumbnail
// preview while hovering or dragging when the video has a storyboard
// (WebVTT cues whose text is "sprite.jpg#xywh=x,y,w,h").
import { byId } from './dom.js';
import { formatDuration } from './format.js';

function seconds(stamp) {
  const parts = stamp.trim().split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** Parses a storyboard WebVTT into [{ start, end, url, x, y, w, h }]. */
export function parseStoryboard(text, base) {
  const cues = [];
  const blocks = text.replace(/\r/g, '').split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split('\n').filter(Boolean);
    const timing = lines.findIndex((l) => l.includes('-->'));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [from, to] = lines[timing].split('-->');
    const target = lines[timing + 1].trim();
    const match = target.match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
    if (!match) continue;
    cues.push({
      start: seconds(from), end: seconds(to.trim().split(/\s+/)[0]),
      url: new URL(match[1], base).href, x: +match[2], y: +match[3], w: +match[4], h: +match[5],
    });
  }
  return cues;
}

export function initStoryboard(video, storyboardUrl) {
  const scrub = byId('scrub');
  const track = byId('scrub-track');
  const fill = byId('scrub-fill');
  const preview = byId('scrub-preview');
  const image = byId('scrub-image');
  const time = byId('scrub-time');
  let cues = [];
  scrub.hidden = false;

  if (storyboardUrl) {
    fetch(storyboardUrl).then((r) => (r.ok ? r.text() : '')).then((text) => {
      cues = parseStoryboard(text, new URL(storyboardUrl, location.href));
    }).catch(() => {});
  }

  const at = (clientX) => {
    const box = track.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    return { fraction, seconds: fraction * (video.duration || 0) };
  };
  const show = (clientX) => {
    const { fraction, seconds: s } = at(clientX);
    if (!Number.isFinite(video.duration)) return;
    time.textContent = formatDuration(s * 1000);
    const cue = cues.find((c) => s >= c.start && s < c.end) ?? null;
    image.hidden = !cue;
    if (cue) {
      image.style.width = `${cue.w}px`;
      image.style.height = `${cue.h}px`;
      image.style.backgroundImage = `url("${cue.url}")`;
      image.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    }
    preview.hidden = false;
    const width = preview.offsetWidth;
    const left = Math.min(Math.max(fraction * track.offsetWidth - width / 2, 0), track.offsetWidth - width);
    preview.style.left = `${left}px`;
  };
  const update = () => {
    const d = video.duration;
    const fraction = Number.isFinite(d) && d > 0 ? video.currentTime / d : 0;
    fill.style.width = `${fraction * 100}%`;
    track.setAttribute('aria-valuemax', String(Math.round(Number.isFinite(d) ? d : 0)));
    track.setAttribute('aria-valuenow', String(Math.round(video.currentTime)));
    track.setAttribute('aria-valuetext', `${formatDuration(video.currentTime * 1000)} of ${formatDuration((d || 0) * 1000)}`);
  };
  video.addEventListener('timeupdate', update);
  video.addEventListener('durationchange', update);
  let dragging = false;
  track.addEventListener('pointermove', (e) => {
    show(e.clientX);
    if (dragging) video.currentTime = at(e.clientX).seconds;
  });
  track.addEventListener('pointerleave', () => {
    if (!dragging) preview.hidden = true;
  });
  track.addEventListener('pointerdown', (e) => {
    dragging = true;
    track.setPointerCapture(e.pointerId);
    video.currentTime = at(e.clientX).seconds;
    show(e.clientX);
  });
  track.addEventListener('pointerup', () => {
    dragging = false;
    preview.hidden = true;
  });
  track.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? 5 : e.key === 'ArrowLeft' ? -5 : 0;
    if (!step) return;
    e.preventDefault();
    e.stopPropagation();
    video.currentTime = Math.max(0, video.currentTime + step);
  });
}
