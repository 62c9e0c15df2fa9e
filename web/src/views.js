// View counting: one beacon per page when playback has really started (the
// video's first 'playing'); the server counts a viewer once per video per
// 30 minutes (src/api/view_routes.hpp explains why not the playlist request).

/** Sends the view; resolves to true when the server counted it. */
export async function sendView(videoId) {
  try {
    const response = await fetch(`/api/v1/videos/${encodeURIComponent(videoId)}/views`, {
      method: 'POST', keepalive: true, credentials: 'same-origin', headers: { Accept: 'application/json' },
    });
    if (!response.ok) return false;
    return Boolean((await response.json())?.counted);
  } catch {
    return false;
  }
}

/** "1 view", "1,234 views". */
export function formatViews(count) {
  const n = Number(count) || 0;
  return `${n.toLocaleString('en')} ${n === 1 ? 'view' : 'views'}`;
}
