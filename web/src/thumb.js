// Thumbnails for cards: the poster when there is one, else a generic card
// tinted from the name (stable per channel/video), same box either way so
// nothing shifts when images load.
import { el } from './dom.js';

function hue(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)) % 360;
  return h;
}

export function thumbnail({ poster, name, label = '' }) {
  const box = el('div', { class: 'thumb', style: `--hue:${hue(name || '?')}` });
  if (poster) {
    box.append(el('img', { src: poster, alt: '', loading: 'lazy', decoding: 'async' }));
  } else {
    box.append(el('span', { class: 'thumb-initial', 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase()));
  }
  if (label) box.append(el('span', { class: 'thumb-label' }, label));
  return box;
}
