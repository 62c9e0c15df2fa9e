// The signed-in user: GET /api/v1/session once per page, the CSRF token for
// state-changing requests, sign-out, and the redirect to the sign-in page.
let current = null;  // { user, csrf_token } or null
let loaded = null;

export function csrfToken() {
  return current?.csrf_token ?? '';
}

export function signInUrl(reason = '') {
  const params = new URLSearchParams({ next: location.pathname + location.search });
  if (reason) params.set('reason', reason);
  return `/signin.html?${params}`;
}

/** Called when the server says 401 on a signed-in page. */
export function sessionExpired() {
  location.assign(signInUrl('expired'));
}

/** The session, or null when signed out (or accounts are not available). */
export function loadSession() {
  if (!loaded) {
    loaded = fetch('/api/v1/session', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(async (response) => {
        current = response.ok ? await response.json() : null;
        return current;
      })
      .catch(() => null);
  }
  return loaded;
}

/** For pages that need a user: the session, or a redirect to sign-in (resolves to null). */
export async function requireSession() {
  const session = await loadSession();
  if (!session) location.replace(signInUrl('signin'));
  return session;
}

export function setSession(session) {
  current = session;
  loaded = Promise.resolve(session);
}

export async function signOut() {
  await fetch('/api/v1/session', {
    method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken() },
  }).catch(() => {});
  current = null;
  location.assign('/');
}
