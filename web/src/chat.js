// Chat beside the player: live (a WebSocket into the channel's room) or a
// recording's replay (its messages shown as playback reaches their time in
// the stream). Every message is rendered with textContent, never as HTML.
// window.tidecastChat is the hook the browser end-to-end tests use.
import { moderationPanel } from './chat_moderation.js';
import { el } from './dom.js';

const MAX_SHOWN = 300;
const hook = {
  mode: null,       // 'live' | 'replay'
  state: 'idle',    // live: connecting | open | closed
  you: null,
  room: null,
  received: {},     // message id → Date.now() when it arrived (latency measurement)
  errors: [],       // error messages from the server
  bans: null,       // moderators: the last ban list received
  closes: [],       // close codes seen
  shown: () => [...document.querySelectorAll('#chat-list .chat-msg')].map((n) => ({
    id: Number(n.dataset.id), author: n.querySelector('.chat-author').textContent,
    text: n.querySelector('.chat-text').textContent,
  })),
  send: null,
};
window.tidecastChat = hook;

function time(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The panel's skeleton inside `root`. */
function build(root, title) {
  const list = el('ol', { id: 'chat-list', class: 'chat-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const viewers = el('span', { id: 'chat-viewers', class: 'chat-viewers' });
  const notice = el('p', { id: 'chat-notice', class: 'chat-notice', role: 'status' });
  root.replaceChildren(el('header', { class: 'chat-head' }, el('h2', {}, title), viewers), list, notice);
  root.hidden = false;
  return { list, viewers, notice };
}

function messageNode(message, actions) {
  const author = el('span', { class: 'chat-author' });
  author.textContent = message.author;
  if (message.guest) author.classList.add('guest');
  const text = el('span', { class: 'chat-text' });
  text.textContent = message.text;
  const item = el('li', { class: 'chat-msg', 'data-id': message.id }, author, ' ', text);
  if (message.stream_ms !== null && message.stream_ms !== undefined && hook.mode === 'replay') {
    item.prepend(el('time', { class: 'chat-time' }, time(message.stream_ms)), ' ');
  }
  if (actions) item.append(actions(message));
  return item;
}

function scrollToEnd(list) {
  list.scrollTop = list.scrollHeight;
}

/** Live chat of `channel`: one socket, reconnecting after drops. */
export async function initLiveChat(root, channel) {
  hook.mode = 'live';
  const { list, viewers, notice } = build(root, 'Chat');
  const nick = el('input', {
    id: 'chat-nick', class: 'chat-nick', maxlength: 32, placeholder: 'Nickname', 'aria-label': 'Nickname', hidden: true,
  });
  const input = el('input', {
    id: 'chat-input', class: 'chat-input', maxlength: 2000, autocomplete: 'off', placeholder: 'Say something…',
    'aria-label': 'Chat message',
  });
  const send = el('button', { id: 'chat-send', type: 'submit' }, 'Send');
  const form = el('form', { id: 'chat-form', class: 'chat-form' }, nick, input, send);
  root.append(form);
  let socket = null;
  let retry = 1000;
  let you = null;
  let room = null;
  let panel = null;  // moderators: chat_moderation.js, made at the first hello that says so
  const say = (text) => { notice.textContent = text; };

  const moderatorActions = (message) => {
    const act = (label, command) => el('button', {
      type: 'button', class: 'chat-act', title: label,
      onclick: () => {
        sendJson({ ...command, id: message.id });
        if (command.type === 'ban') panel?.refresh();  // an open ban list shows the new ban
      },
    }, label);
    return el('span', { class: 'chat-acts' }, act('Delete', { type: 'delete' }),
      act('Time out', { type: 'ban', seconds: 600 }), act('Ban', { type: 'ban' }));
  };
  const add = (message) => {
    hook.received[message.id] = Date.now();
    list.append(messageNode(message, you?.moderator ? moderatorActions : null));
    while (list.children.length > MAX_SHOWN) list.firstElementChild.remove();
    scrollToEnd(list);
  };
  const updateForm = () => {
    const guestsMayPost = Boolean(room?.guests);
    const signedIn = Boolean(you?.signed_in);
    nick.hidden = signedIn || !guestsMayPost;
    const canPost = signedIn || guestsMayPost;
    input.disabled = !canPost || hook.state !== 'open';
    send.disabled = input.disabled;
    input.placeholder = canPost ? 'Say something…' : 'Sign in to chat';
    viewers.textContent = room ? `${room.viewers} watching` : '';
    panel?.showRoom(room);
    const rules = [];
    if (room?.slow_seconds) rules.push(`slow mode: one message every ${room.slow_seconds} s`);
    if (room && !room.links) rules.push('no links');
    root.dataset.rules = rules.join(', ');
    form.title = rules.join(', ');
  };
  const sendJson = (value) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(value));
  };

  const onMessage = (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (data.type === 'hello') {
      you = data.you;
      room = data.room;
      hook.you = you;
      hook.room = room;
      if (you.moderator && !panel) {
        panel = moderationPanel(sendJson);
        form.before(panel.node);
      }
      panel?.refresh();  // after a reconnect, an open list is fetched again
      list.replaceChildren();
      for (const message of data.history) add(message);
      say('');
    } else if (data.type === 'message') {
      add(data);
    } else if (data.type === 'deleted') {
      for (const id of data.ids) list.querySelector(`[data-id="${Number(id)}"]`)?.remove();
    } else if (data.type === 'room') {
      room = data;
      hook.room = room;
    } else if (data.type === 'error') {
      hook.errors.push(data);
      const wait = data.retry_after_ms ? ` (${Math.ceil(data.retry_after_ms / 1000)} s)` : '';
      say(`${data.message}${wait}`);
    } else if (data.type === 'notice') {
      say(data.text);
    } else if (data.type === 'bans' && panel) {
      hook.bans = data.bans;
      panel.showBans(data.bans);
    }
    updateForm();
  };

  const connect = () => {
    hook.state = 'connecting';
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/channels/${encodeURIComponent(channel)}/chat`);
    socket.addEventListener('open', () => {
      hook.state = 'open';
      retry = 1000;
      updateForm();
    });
    socket.addEventListener('message', onMessage);
    socket.addEventListener('close', (event) => {
      hook.state = 'closed';
      hook.closes.push(event.code);
      updateForm();
      say(event.reason ? `Chat disconnected: ${event.reason}. Reconnecting…` : 'Chat disconnected. Reconnecting…');
      // Spread reconnects out: a restarted server is not met by every viewer at once.
      setTimeout(connect, retry / 2 + Math.random() * retry);
      retry = Math.min(retry * 2, 15000);
    });
  };

  const command = (text) => {
    const [name, arg] = text.slice(1).split(/\s+/, 2);
    const on = (v) => v === 'on' || v === 'true' || v === 'yes';
    if (name === 'slow') return { type: 'settings', slow_seconds: Number(arg) || 0 };
    if (name === 'links') return { type: 'settings', links: on(arg) };
    if (name === 'guests') return { type: 'settings', guests: on(arg) };
    return null;
  };
  hook.send = (text, extra = {}) => sendJson({ type: 'post', text, nonce: crypto.randomUUID?.() ?? String(Math.random()), ...extra });

  // A channel whose chat this visitor cannot open (private, deleted): no panel, no reconnect loop.
  const probe = await fetch(`/api/v1/channels/${encodeURIComponent(channel)}/chat`, { credentials: 'same-origin' })
    .catch(() => null);
  if (probe && probe.status !== 426) {
    root.hidden = true;
    hook.state = 'unavailable';
    return;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (you?.moderator && text.startsWith('/')) {
      const settings = command(text);
      if (!settings) return say('Commands: /slow <seconds>, /links on|off, /guests on|off');
      sendJson(settings);
      input.value = '';
      return undefined;
    }
    const extra = !you?.signed_in && nick.value ? { nick: nick.value.trim() } : {};
    hook.send(text, extra);
    input.value = '';
    return undefined;
  });
  connect();
  updateForm();
}

/** A recording's chat, shown in step with playback. */
export async function initReplayChat(root, videoId, video) {
  hook.mode = 'replay';
  let messages;
  try {
    const response = await fetch(`/api/v1/videos/${encodeURIComponent(videoId)}/chat`, { credentials: 'same-origin' });
    if (!response.ok) return;
    messages = (await response.json()).messages;
  } catch {
    return;
  }
  if (!messages.length) return;  // nothing was said: no empty panel
  const { list, viewers } = build(root, 'Chat replay');
  viewers.textContent = `${messages.length} messages`;
  let shown = 0;  // messages[0..shown) are in the list
  const sync = () => {
    const now = video.currentTime * 1000;
    let want = 0;
    while (want < messages.length && messages[want].stream_ms <= now) want += 1;
    if (want < shown) {  // sought back
      list.replaceChildren();
      shown = 0;
    }
    for (; shown < want; shown += 1) list.append(messageNode(messages[shown], null));
    while (list.children.length > MAX_SHOWN) list.firstElementChild.remove();
    if (want !== hook.lastShown) scrollToEnd(list);
    hook.lastShown = want;
  };
  video.addEventListener('timeupdate', sync);
  video.addEventListener('seeked', sync);
  sync();
}
