// Home page: live channels first, then recent videos (or search results for ?q=).
import { getJson, listLive, listVideos, videoUrls } from './api.js';
import { initChrome } from './chrome.js';
import { byId, el } from './dom.js';
import { formatDuration } from './format.js';
import { thumbnail } from './thumb.js';

const LIVE_REFRESH_MS = 10000;
const query = new URLSearchParams(location.search).get('q')?.trim() ?? '';

function watchUrl(params) {
  return `/watch.html?${new URLSearchParams(params)}`;
}

function card({ href, title, meta, thumb, badge, channel }) {
  const heading = href ? el('a', { href, class: 'card-link' }, title) : title;
  return el('li', { class: 'card' },
    thumb,
    el('div', { class: 'card-body' },
      badge ? el('span', { class: `badge badge-${badge.kind}` }, badge.text) : null,
      el('h3', {}, heading),
      channel ? el('p', { class: 'channel-link' }, el('a', { href: `/c/${encodeURIComponent(channel)}` }, channel)) : null,
      meta ? el('p', { class: 'meta' }, meta) : null));
}

function render(list, status, items, emptyText) {
  list.replaceChildren(...items);
  status.textContent = items.length ? '' : emptyText;
  list.setAttribute('aria-busy', 'false');
}

function liveCard(channel) {
  const publishing = channel.publishing !== false;
  const viewers = typeof channel.viewers === 'number' ? `${channel.viewers} watching` : '';
  const meta = [channel.height ? `${channel.height}p` : '', viewers].filter(Boolean).join(' · ');
  return card({
    href: watchUrl({ channel: channel.channel }),
    title: channel.title || channel.channel,
    meta,
    // The live thumbnail's URL changes with the picture (?t=), so each refresh shows the latest.
    thumb: thumbnail({ poster: channel.thumbnail ?? channel.poster ?? null, name: channel.channel, label: viewers }),
    badge: publishing ? { kind: 'live', text: 'Live' } : { kind: 'pending', text: 'Reconnecting' },
    channel: channel.channel,
  });
}

// New thumbnails are fetched and decoded before the cards are replaced, so a
// refresh swaps pictures without a blank frame (at most 2 s; a failure just shows the card).
function preloadThumbnails(channels) {
  const loads = channels.filter((c) => c.thumbnail).map((c) => {
    const img = new Image();
    img.src = c.thumbnail;
    return img.decode().catch(() => {});
  });
  return Promise.race([Promise.all(loads), new Promise((resolve) => setTimeout(resolve, 2000))]);
}

async function loadLive() {
  const list = byId('live-list');
  const status = byId('live-status');
  try {
    const channels = await listLive();
    await preloadThumbnails(channels);
    render(list, status, channels.map(liveCard), 'No live channels right now.');
    counts.live = channels.length;
    if (channels.length) hideEmptyHome();
  } catch (error) {
    render(list, status, [], `Couldn't load live channels: ${error.message}.`);
  }
}

function videoCard(video) {
  const urls = videoUrls(video);
  const ready = Boolean(urls.hls || urls.dash);
  const duration = formatDuration(video.duration_ms);
  return card({
    href: ready ? watchUrl({ video: video.id }) : null,
    title: video.title || video.id,
    meta: [video.height ? `${video.height}p` : '', video.origin === 'live' ? 'Live recording' : ''].filter(Boolean).join(' · '),
    thumb: thumbnail({ poster: urls.poster, name: video.title || video.id, label: duration }),
    badge: ready ? null : { kind: video.state === 'failed' ? 'failed' : 'pending', text: video.state || 'pending' },
  });
}

async function loadVideos() {
  const list = byId('video-list');
  const status = byId('video-status');
  try {
    const { videos } = await listVideos({ q: query, limit: 48 });
    render(list, status, videos.map(videoCard), query ? `No videos match "${query}".` : 'No videos yet.');
    counts.videos = videos.length;
  } catch (error) {
    render(list, status, [], `Couldn't load videos: ${error.message}.`);
  }
}

function initSearch() {
  const input = byId('search-q');
  input.value = query;
  if (query) {
    byId('videos-heading').textContent = `Videos matching "${query}"`;
    document.title = `${query} · Tidecast`;
  }
}

const counts = { live: null, videos: null };  // null: not loaded (or failed)

/** Nothing live and no videos: the first steps for someone who can take them, else "nothing yet". */
async function showEmptyHome(session) {
  if (query || counts.live !== 0 || counts.videos !== 0) return;
  const user = session?.user;
  // Someone with a channel already: the next step is going live on it.
  const mine = user ? await getJson('/api/v1/channels?mine=1').catch(() => null) : null;
  const hasChannel = Array.isArray(mine?.channels) && mine.channels.length > 0;
  const panel = user
    ? el('section', { id: 'empty-home', class: 'panel empty-home', 'aria-labelledby': 'empty-heading' },
      el('h2', { id: 'empty-heading' }, 'Nothing here yet'),
      el('p', {}, `Welcome, ${user.name}. Next:`),
      el('ol', {},
        hasChannel
          ? el('li', {}, el('a', { href: '/golive.html' }, 'Go live'), ': the stream settings for OBS or ffmpeg are there,')
          : el('li', {}, el('a', { href: '/golive.html' }, 'Create a channel'), ' and go live from OBS or ffmpeg,'),
        el('li', {}, 'or ', el('a', { href: '/upload.html' }, 'upload a video'), '.'),
        user.role === 'admin' ? el('li', {}, el('a', { href: '/manage.html' }, 'Manage'),
          ' videos and API tokens; more accounts: ', el('code', {}, 'tidecast admin create-user NAME')) : null))
    : el('section', { id: 'empty-home', class: 'panel empty-home', role: 'status' },
      el('h2', {}, 'Nothing is live yet'),
      el('p', {}, 'Nobody is streaming and there are no videos yet. Come back a little later.'));
  for (const id of ['live-list', 'video-list']) byId(id).closest('section').hidden = true;
  byId('main').querySelector('form.search').after(panel);
}

function hideEmptyHome() {
  document.getElementById('empty-home')?.remove();
  for (const id of ['live-list', 'video-list']) byId(id).closest('section').hidden = false;
}

const session = initChrome();
initSearch();
Promise.all([session, loadLive(), loadVideos()]).then(([s]) => showEmptyHome(s));
setInterval(() => {
  if (document.visibilityState === 'visible') loadLive();
}, LIVE_REFRESH_MS);
