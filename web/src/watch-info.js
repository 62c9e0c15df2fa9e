// What the watch page shows under the player: the channel (a link to its
// page, /c/<name>), the view count, the date and the description; and the
// plain "not found" that replaces the player for a missing video or channel.
import { listChannels } from './api.js';
import { byId, el } from './dom.js';
import { formatViews } from './views.js';

export function formatDate(ms, now = Date.now()) {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const date = new Date(ms);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString('en', { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
}

function channelLink(name, title) {
  return el('a', { id: 'channel-link', class: 'channel-link', href: `/c/${encodeURIComponent(name)}` }, title || name);
}

/** Fills #video-meta for a video ({channel_id, views, created_at}) or a live channel ({name, title}). */
export async function showInfo({ video = null, channel = null }) {
  const meta = byId('video-meta');
  const parts = [];
  let name = channel?.name ?? null;
  let title = channel?.title ?? null;
  if (video?.channel_id != null) {
    const found = (await listChannels().catch(() => [])).find((c) => c.id === video.channel_id);
    if (found) {
      name = found.name;
      title = found.title;
    }
  }
  if (name) parts.push(channelLink(name, title));
  if (video) {
    parts.push(el('span', { id: 'views', 'data-views': String(video.views ?? 0) }, formatViews(video.views)));
    const date = formatDate(video.created_at);
    if (date) parts.push(el('time', { id: 'video-date', datetime: new Date(video.created_at).toISOString() }, date));
  }
  const joined = [];
  for (const part of parts) {
    if (joined.length) joined.push(el('span', { class: 'sep', 'aria-hidden': 'true' }, '·'));
    joined.push(part);
  }
  meta.replaceChildren(...joined);
  meta.hidden = joined.length === 0;
}

/** One more view was counted: the number under the player follows. */
export function addView() {
  const views = document.getElementById('views');
  if (!views) return;
  const count = Number(views.dataset.views || 0) + 1;
  views.dataset.views = String(count);
  views.textContent = formatViews(count);
}

/** Replaces the player with a plain "not found" message. */
export function showNotFound(detail) {
  for (const id of ['player', 'scrub', 'player-bar', 'share-panel', 'video-meta', 'chat', 'title', 'description']) {
    const node = document.getElementById(id);
    if (node) node.hidden = true;
  }
  for (const node of document.querySelectorAll('.shortcuts')) node.hidden = true;
  document.title = 'Not found · Tidecast';
  const title = document.getElementById('title');
  if (title) title.textContent = 'Not found';
  const box = byId('not-found');
  byId('not-found-detail').textContent = detail;
  box.hidden = false;
}
