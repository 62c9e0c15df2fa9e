// Works out what the watch page should play from its query string:
// ?channel=<name> or ?video=<id>, plus &engine=hls|dash (default hls) and
// &debug=1 for the player library's verbose console log.
import { getJson, getVideo, listChannels, listLive, videoUrls } from './api.js';

export const ENGINES = ['hls', 'dash'];

/** Nothing by that name (a deleted video, a mistyped channel): the page says "not found". */
export class NotFound extends Error {}

/** The caller's own channels (private ones included); [] when not signed in. */
async function ownChannels() {
  try {
    const body = await getJson('/api/v1/channels?mine=1');
    return Array.isArray(body?.channels) ? body.channels : [];
  } catch {
    return [];
  }
}

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
 * Resolves { kind, url, title, live?, video?, urls? } for the query, or throws
 * an Error whose message explains why there is nothing to play.
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
    // Not live: the channel list still has its title.
    let title = entry?.title;
    if (!entry) {
      let channels = await listChannels().catch(() => null);
      let known = channels?.find((c) => c.name === channel);
      if (!known && channels) {
        channels = await ownChannels();  // a private channel of the viewer's own
        known = channels.find((c) => c.name === channel);
      }
      // Only when the server answered: an unreachable list is no proof of absence.
      if (!known && channels) throw new NotFound(`There is no channel called "${channel}".`);
      title = known?.title;
    }
    return { kind: 'live', title: title || channel, url: entry?.[engine] || defaultLiveUrl(channel, engine), live: entry };
  }
  if (video) {
    const info = await getVideo(video);
    if (!info) throw new NotFound('This video does not exist: it may have been deleted or made private.');
    const urls = videoUrls(info);
    const url = urls[engine];
    if (!url) {
      const why = info.state === 'failed' ? 'its conversion failed' : `it is still being prepared (${info.state || 'unknown state'})`;
      throw new Error(`"${info.title || video}" cannot play yet: ${why}`);
    }
    return { kind: 'video', title: info.title || video, url, video: info, urls };
  }
  throw new Error('nothing to play: open this page with ?channel=NAME or ?video=ID');
}
