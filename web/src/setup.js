// First-run page (setup.html?token=...): creates the first admin with the
// one-time token the server printed in its log, then signs in and goes home.
import { whileBusy } from './busy.js';
import { initChrome } from './chrome.js';
import { byId } from './dom.js';
import { setSession } from './session.js';

const token = new URLSearchParams(location.search).get('token') ?? '';

function closed(text) {
  const note = byId('setup-closed');
  note.replaceChildren(text, ' ');
  const link = document.createElement('a');
  link.href = '/signin.html';
  link.textContent = 'Sign in';
  note.append(link);
  note.hidden = false;
  byId('setup-form').hidden = true;
  byId('setup-intro').hidden = true;
}

async function create(form) {
  const error = byId('setup-error');
  error.textContent = '';
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username) {
    error.textContent = 'Choose a user name.';
    form.username.focus();
    return;
  }
  if (password.length < 8) {
    error.textContent = 'The password must have at least 8 characters.';
    form.password.focus();
    return;
  }
  if (password !== form.password2.value) {
    error.textContent = 'The two passwords differ.';
    form.password2.select();
    return;
  }
  let response;
  try {
    response = await fetch('/api/v1/setup', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token, username, password }),
    });
  } catch {
    error.textContent = 'The server is unreachable; check your connection and try again.';
    return;
  }
  const body = await response.json().catch(() => null);
  if (response.ok) {
    setSession(body);
    location.assign('/');
    return;
  }
  const code = body?.error?.code;
  if (code === 'setup_done') {
    closed('This server is already set up; this link no longer works.');
  } else if (code === 'bad_setup_token') {
    error.textContent = 'This setup link is not valid. Copy the whole link from the server\'s log (it works only once).';
  } else {
    error.textContent = body?.error?.message ? `${body.error.message}.` : `Setup failed (${response.status}).`;
  }
}

async function start() {
  initChrome();
  if (!token) {
    byId('setup-error').textContent = 'This page needs the setup link from the server\'s log (…/setup.html?token=…).';
  }
  const state = await fetch('/api/v1/setup', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null)).catch(() => null);
  if (state && !state.open) closed('This server is already set up.');
  const form = byId('setup-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byId('setup-submit'), () => create(form));
  });
  byId('username').focus();
}

start();
