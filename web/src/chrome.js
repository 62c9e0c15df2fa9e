// What every page shares: the account corner of the header (sign in / the
// user's name and sign out), the current page marked in the nav, the footer.
import { byId, el } from './dom.js';
import { showServerVersion } from './footer.js';
import { loadSession, signInUrl, signOut } from './session.js';

export async function initChrome() {
  for (const link of document.querySelectorAll('.site nav a')) {
    if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
  }
  showServerVersion();
  const account = byId('account');
  const session = await loadSession();
  // Go live, Upload and Manage need an account: the stylesheet hides them until this says so.
  document.documentElement.classList.toggle('signed-in', Boolean(session?.user));
  if (session?.user) {
    const button = el('button', { type: 'button', class: 'link', onclick: () => signOut() }, 'Sign out');
    account.replaceChildren(el('span', { class: 'user' }, session.user.name), button);
  } else {
    account.replaceChildren(el('a', { href: signInUrl() }, 'Sign in'));
  }
  return session;
}
