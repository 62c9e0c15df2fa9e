// Home page: live channels and recent videos, each linking to the watch page.
import { listLive, listVideos } from './api.js';
import { byId, el } from './dom.js';
import { formatDuration } from './format.js';
import { showServerVersion } from './footer.js';

const LIVE_REFRESH_MS = 15000;

function watchUrl(params) {
  return `/watch.html?${new URLSearchParams(params)}`;
}

function card({ href, title, meta, badge }) {
  const heading = href ? el('a', { href }, title) : title;
  return el('li', { class: 'card' },
    badge ? el('span', { class: `badge badge-${badge.kind}` }, badge.text) : null,
    el('h3', {}, heading),
    meta ? el('p', { class: 'meta' }, meta) : null);
}

function render(list, status, items, emptyText) {
  list.replaceChildren(...items);
  status.textContent = items.length ? '' : emptyText;
  list.setAttribute('aria-busy', 'false');
}

function liveCard(channel) {
  const meta = [
    channel.title && channel.title !== channel.channel ? channel.channel : '',
    channel.height ? `${channel.height}p` : '',
    typeof channel.viewers === 'number' ? `${channel.viewers} watching` : '',
  ];
  // A channel whose publisher dropped stays listed for a while: say so.
  const publishing = channel.publishing !== false;
  return card({
    href: watchUrl({ channel: channel.channel }),
    title: channel.title || channel.channel,
    meta: meta.filter(Boolean).join(' · '),
    badge: publishing ? { kind: 'live', text: 'Live' } : { kind: 'pending', text: 'Reconnecting' },
  });
}

async function loadLive() {
  const list = byId('live-list');
  const status = byId('live-status');
  try {
    const channels = await listLive();
    render(list, status, channels.map(liveCard), 'No live channels right now.');
  } catch (error) {
    render(list, status, [], `Couldn't load live channels: ${error.message}.`);
  }
}

function videoCard(video) {
  const ready = Boolean(video.hls || video.dash);
  const meta = [formatDuration(video.duration_ms), video.height ? `${video.height}p` : ''].filter(Boolean).join(' · ');
  return card({
    href: ready ? watchUrl({ video: video.id }) : null,
    title: video.title || video.id,
    meta,
    badge: ready ? null : { kind: video.state === 'failed' ? 'failed' : 'pending', text: video.state || 'pending' },
  });
}

async function loadVideos() {
  const list = byId('video-list');
  const status = byId('video-status');
  try {
    const videos = await listVideos();
    render(list, status, videos.map(videoCard), 'No videos yet.');
  } catch (error) {
    render(list, status, [], `Couldn't load videos: ${error.message}.`);
  }
}

loadLive();
loadVideos();
showServerVersion();
setInterval(() => {
  if (document.visibilityState === 'visible') loadLive();
}, LIVE_REFRESH_MS);
