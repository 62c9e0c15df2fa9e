// Works out what the watch page should play from its query string:
// ?channel=<name> or ?video=<id>, plus &engine=hls|dash (default hls) and
// &debug=1 for the player library's verbose console log.
import { getVideo, listLive } from './api.js';

export const ENGINES = ['hls', 'dash'];

export function readQuery(search = location.search) {
  const params = new URLSearchParams(search);
  const engine = ENGINES.includes(params.get('engine')) ? params.get('engine') : 'hls';
  return { channel: params.get('channel'), video: params.get('video'), engine, debug: params.get('debug') === '1' };
}

function defaultLiveUrl(channel, engine) {
  const file = engine === 'dash' ? 'manifest.mpd' : 'master.m3u8';
  return `/live/${encodeURIComponent(channel)}/${file}`;
}

/**
 * Resolves { url, title, kind } for the query, or throws an Error whose
 * message explains why there is nothing to play.
 */
export async function resolveSource({ channel, video, engine }) {
  if (channel) {
    // The live list adds a title; when it is missing (404, not listed yet)
    // the channel's URLs follow a fixed pattern, so try them anyway.
    let entry = null;
    try {
      entry = (await listLive()).find((c) => c.channel === channel) ?? null;
    } catch {
      entry = null;
    }
    return { kind: 'live', title: entry?.title || channel, url: entry?.[engine] || defaultLiveUrl(channel, engine) };
  }
  if (video) {
    const info = await getVideo(video);
    if (!info) throw new Error(`there is no video "${video}"`);
    const url = info[engine];
    if (!url) throw new Error(`"${info.title || video}" is not ready to play (${info.state || 'unknown state'})`);
    return { kind: 'video', title: info.title || video, url };
  }
  throw new Error('nothing to play: open this page with ?channel=NAME or ?video=ID');
}
