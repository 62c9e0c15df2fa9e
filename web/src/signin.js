// Sign-in page: POST /api/v1/session, then back to where the user was going.
import { ApiError } from './api.js';
import { whileBusy } from './busy.js';
import { initChrome } from './chrome.js';
import { byId } from './dom.js';
import { setSession } from './session.js';

const params = new URLSearchParams(location.search);
const REASONS = {
  expired: 'Your session has expired. Please sign in again.',
  signin: 'Please sign in to continue.',
};

/** Only same-site paths: never bounce to another origin from a query parameter. */
function nextPath() {
  const next = params.get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/';
}

async function signIn(form) {
  const error = byId('signin-error');
  error.textContent = '';
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    error.textContent = 'Enter your user name and password.';
    return;
  }
  let response;
  try {
    response = await fetch('/api/v1/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    error.textContent = 'The server is unreachable; check your connection and try again.';
    return;
  }
  if (response.ok) {
    setSession(await response.json());
    location.assign(nextPath());
    return;
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const code = body?.error?.code;
  if (code === 'invalid_credentials' || response.status === 401) {
    error.textContent = 'That user name and password do not match.';
  } else if (response.status === 429) {
    const wait = response.headers.get('Retry-After');
    error.textContent = `Too many attempts. Try again${wait ? ` in ${wait} seconds` : ' in a moment'}.`;
  } else {
    error.textContent = new ApiError(body?.error?.message || `sign-in failed (${response.status})`).message;
  }
  form.password.select();
}

const reason = REASONS[params.get('reason')];
if (reason) {
  const note = byId('signin-reason');
  note.textContent = reason;
  note.hidden = false;
}
initChrome().then((session) => {
  if (session?.user && !params.get('reason')) location.replace(nextPath());
});
const form = byId('signin-form');
form.addEventListener('submit', (event) => {
  event.preventDefault();
  whileBusy(byId('signin-submit'), () => signIn(form));
});
byId('username').focus();
