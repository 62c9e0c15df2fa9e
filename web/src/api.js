// Fetch helpers for the /api/v1 endpoints. Reads return parsed JSON, or null
// when the endpoint answers 404; other failures throw an ApiError whose
// message is fit for the page. State-changing requests carry the session's
// CSRF token; a 401 on a signed-in page sends the browser to the sign-in page.
import { csrfToken, sessionExpired } from './session.js';

export class ApiError extends Error {
  constructor(message, status = 0, code = '') {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function errorFrom(response, path) {
  let code = '';
  let message = '';
  try {
    const body = await response.json();
    code = body?.error?.code ?? '';
    message = body?.error?.message ?? '';
  } catch {
    // not JSON: say what we know
  }
  if (response.status === 413) message = message || 'the file is larger than the server accepts';
  if (response.status === 429) message = message || 'too many attempts; wait a moment and try again';
  return new ApiError(message || `${path} answered ${response.status}`, response.status, code);
}

async function call(method, path, { body, signal, redirectOn401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError('the server is unreachable; check your connection');
  }
  if (response.status === 401 && redirectOn401) {
    sessionExpired();
    throw new ApiError('your session has expired; sign in again', 401, 'unauthenticated');
  }
  return response;
}

async function json(response, path) {
  if (response.status === 204) return {};
  try {
    return await response.json();
  } catch {
    throw new ApiError(`${path} sent invalid JSON`, response.status);
  }
}

export async function getJson(path, { signal, signedIn = false } = {}) {
  const response = await call('GET', path, { signal, redirectOn401: signedIn });
  if (response.status === 404) return null;
  if (!response.ok) throw await errorFrom(response, path);
  return json(response, path);
}

/** POST/PATCH/DELETE as the signed-in user; a 401 redirects to sign-in. */
export async function send(method, path, body) {
  const response = await call(method, path, { body, redirectOn401: true });
  if (!response.ok) {
    const error = await errorFrom(response, path);
    // A CSRF refusal with no session behind it: the session is gone.
    if (error.code === 'csrf') {
      const check = await fetch('/api/v1/session', { credentials: 'same-origin' }).catch(() => null);
      if (check?.status === 401) {
        sessionExpired();
        throw new ApiError('your session has expired; sign in again', 401, 'unauthenticated');
      }
    }
    throw error;
  }
  return json(response, path);
}

export async function listLive() {
  const body = await getJson('/api/v1/live');
  return Array.isArray(body?.live) ? body.live : [];
}

/** The public channels ({name, title, live, ...}). */
export async function listChannels() {
  const body = await getJson('/api/v1/channels');
  return Array.isArray(body?.channels) ? body.channels : [];
}

export async function listVideos({ q = '', limit = 24, offset = 0, mine = false } = {}) {
  const params = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  if (q) params.set('q', q);
  if (mine) params.set('mine', '1');
  const body = await getJson(`/api/v1/videos?${params}`, { signedIn: mine });
  return { videos: Array.isArray(body?.videos) ? body.videos : [], total: body?.total ?? 0 };
}

export function getVideo(id) {
  return getJson(`/api/v1/videos/${encodeURIComponent(id)}`);
}

/** A video's playable URLs, whether the server lists them under "urls" or at the top level. */
export function videoUrls(video) {
  const urls = video?.urls ?? {};
  return {
    hls: urls.hls ?? video?.hls ?? null,
    dash: urls.dash ?? video?.dash ?? null,
    poster: urls.poster ?? video?.poster ?? null,
    storyboard: urls.storyboard ?? null,
    download: urls.download ?? null,
  };
}

/** Where encoders publish: { rtmp_url, rtmps_url? } with "<this-server>" for the host. */
export async function getIngestUrls() {
  const body = await getJson('/api/v1/version');
  return { rtmp_url: body?.rtmp_url ?? null, rtmps_url: body?.rtmps_url ?? null };
}

export function getHealth() {
  return getJson('/api/v1/health');
}
