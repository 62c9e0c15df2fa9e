// The chat's moderation panel, for the channel's owner and admins only: the
// room's settings (slow mode, links, guests) as a form, so nobody needs the
// slash commands, and the list of bans and timeouts with a Lift button each.
// Everything from the server is shown with textContent.
import { el } from './dom.js';

function until(ms) {
  const at = new Date(ms);
  const sameDay = at.toDateString() === new Date().toDateString();
  const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? clock : `${at.toLocaleDateString()} ${clock}`;
}

/**
 * Builds the panel; `send` sends one command over the chat socket.
 * Returns { node, showRoom(room), showBans(bans), refresh() }.
 */
export function moderationPanel(send) {
  const slow = el('input', {
    id: 'chat-slow', type: 'number', min: 0, max: 3600, step: 1, inputmode: 'numeric', class: 'chat-slow',
  });
  const links = el('input', { id: 'chat-links', type: 'checkbox' });
  const guests = el('input', { id: 'chat-guests', type: 'checkbox' });
  let dirty = false;  // the moderator is editing: room updates do not overwrite the form
  const settings = el('form', { id: 'chat-settings', class: 'chat-settings' },
    el('label', {}, 'Slow mode ', slow, ' s'),
    el('label', {}, links, ' Links allowed'),
    el('label', {}, guests, ' Guests may post'),
    el('button', { type: 'submit', id: 'chat-settings-save' }, 'Save'));
  settings.addEventListener('input', () => { dirty = true; });
  settings.addEventListener('submit', (event) => {
    event.preventDefault();
    const seconds = Math.min(3600, Math.max(0, Math.round(Number(slow.value) || 0)));
    send({ type: 'settings', slow_seconds: seconds, links: links.checked, guests: guests.checked });
    dirty = false;
  });

  const list = el('ul', { id: 'chat-bans', class: 'chat-bans' });
  const refreshButton = el('button', { type: 'button', id: 'chat-bans-refresh' }, 'Refresh');
  const node = el('details', { id: 'chat-mod', class: 'chat-mod' },
    el('summary', {}, 'Moderation'),
    settings,
    el('div', { class: 'chat-bans-head' }, el('h3', {}, 'Bans and timeouts'), refreshButton),
    list);
  const refresh = () => {
    if (node.open) send({ type: 'bans' });
  };
  refreshButton.addEventListener('click', refresh);
  node.addEventListener('toggle', refresh);

  const showRoom = (room) => {
    if (dirty || !room) return;
    slow.value = String(room.slow_seconds ?? 0);
    links.checked = Boolean(room.links);
    guests.checked = Boolean(room.guests);
  };
  const showBans = (bans) => {
    if (!bans.length) {
      list.replaceChildren(el('li', { class: 'chat-bans-empty' }, 'No one is banned or timed out.'));
      return;
    }
    list.replaceChildren(...bans.map((ban) => {
      const who = el('span', { class: 'chat-ban-who' });
      who.textContent = ban.author || '(unknown)';
      const what = ban.kind === 'timeout' ? `timed out until ${until(ban.until)}` : 'banned';
      const how = el('span', { class: 'chat-ban-what' },
        ban.by === 'address' ? `${what} (by address)` : what);
      const lift = el('button', {
        type: 'button', class: 'chat-ban-lift', 'data-ban': ban.id, 'aria-label': `Lift: ${ban.author || 'unknown'}`,
        onclick: () => send({ type: 'unban', ban: ban.id }),
      }, 'Lift');
      return el('li', { class: 'chat-ban', 'data-ban': ban.id }, who, ' ', how, lift);
    }));
  };
  return { node, showRoom, showBans, refresh };
}
