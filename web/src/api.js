// Fetch helpers for the /api/v1 endpoints. Each returns parsed JSON, or null
// when the endpoint answers 404 (not there yet, or no such item); other
// failures throw an Error whose message is fit for the page.

export async function getJson(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new Error('server unreachable');
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  try {
    return await response.json();
  } catch {
    throw new Error(`${path} sent invalid JSON`);
  }
}

export async function listLive() {
  const body = await getJson('/api/v1/live');
  return Array.isArray(body?.live) ? body.live : [];
}

export async function listVideos() {
  const body = await getJson('/api/v1/videos');
  return Array.isArray(body?.videos) ? body.videos : [];
}

export function getVideo(id) {
  return getJson(`/api/v1/videos/${encodeURIComponent(id)}`);
}

export function getHealth() {
  return getJson('/api/v1/health');
}
