// The watch page's "Share / Embed" panel: a link to the page and the <iframe>
// snippet of the embed page (/embed.html: just the player, full-frame, starts
// muted with the tap-to-unmute button), each with a copy button.
import { copyText } from './busy.js';
import { el } from './dom.js';

/** The embed page's URL for this watch page's query (?video= or ?channel=). */
export function embedUrl(query, origin = location.origin) {
  const params = new URLSearchParams();
  if (query.video) params.set('video', query.video);
  else if (query.channel) params.set('channel', query.channel);
  if (query.engine && query.engine !== 'hls') params.set('engine', query.engine);
  return `${origin}/embed.html?${params}`;
}

export function iframeSnippet(url, title) {
  const safeTitle = String(title).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  return `<iframe src="${url}" title="${safeTitle}" width="640" height="360" frameborder="0" `
    + 'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>';
}

function copyRow(label, id, value, multiline, setStatus) {
  const field = multiline
    ? el('textarea', { id, rows: '3', readonly: true, spellcheck: 'false' })
    : el('input', { id, type: 'text', readonly: true, spellcheck: 'false' });
  field.value = value;
  field.addEventListener('focus', () => field.select());
  const button = el('button', {
    type: 'button',
    onclick: async () => {
      const ok = await copyText(value, field);
      setStatus(ok ? `${label} copied.` : `Copy the ${label.toLowerCase()} from the field.`);
    },
  }, 'Copy');
  return el('div', { class: 'share-row' }, el('label', { for: id }, label), el('div', { class: 'share-field' }, field, button));
}

/** Fills `panel` and makes `button` toggle it. */
export function initSharePanel(button, panel, { query, title, setStatus }) {
  const render = () => {
    const link = new URL(location.href);
    link.searchParams.delete('debug');
    const embed = embedUrl(query);
    panel.replaceChildren(
      copyRow('Link', 'share-link', link.href, false, setStatus),
      copyRow('Embed code', 'share-embed', iframeSnippet(embed, title()), true, setStatus),
      el('p', { class: 'hint' }, 'The embedded player starts muted; viewers tap it to turn the sound on.'),
    );
  };
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', panel.id);
  button.addEventListener('click', () => {
    const open = panel.hidden;
    if (open) render();
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  });
}
