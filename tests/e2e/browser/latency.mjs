#!/usr/bin/env node
// Glass-to-glass latency in headless Chromium: plays a live stream whose
// pictures carry their publisher's send time (tests/e2e/support/latency.py
// burns it in), reads the clock back from every displayed frame
// (requestVideoFrameCallback + canvas drawImage) and reports latency = the
// frame's display time - its send time as ONE JSON line on stdout. Exits 0
// whenever it could report; 2 on bad arguments.
//
//   node latency.mjs --url MANIFEST_URL [--player hlsjs|dashjs5|dashjs4|shaka]
//        [--config JSON] [--seconds 20] [--warmup 4] [--start-timeout 40]
//        [--trace FILE] [--switch-at S]
//   node latency.mjs --page --url WATCH_PAGE_URL [--seconds 20] ...
//
// The page is foreign/player.html (a stock player; --config is handed to it as
// its configuration, e.g. '{"lowLatencyMode":true}' for hls.js), served by this
// script on its own port. With --page, --url is a Tidecast watch page that
// plays instead (its own player and settings; --player is not used) and the
// page's latency readout is read alongside. Web security is off in this browser: nginx-rtmp (the
// peer) sends no CORS headers, and the point here is time, not CORS.
//
// Output fields:
//   ok                 started, no player error, and at least 1 decoded frame per sampled second
//   started            the playhead moved within --start-timeout
//   start_seconds      navigation to the first advancing frame
//   samples            decoded frames in the sampling window (after --warmup)
//   p50_ms, p95_ms     latency percentiles over those frames; min_ms, max_ms, mean_ms
//   rejected           displayed frames in the window whose clock did not decode (see decodeClock)
//   backwards          decoded frames whose send time was not after the previous one's
//   first_send_ms, last_send_ms   the decoded send times (epoch ms) of the window's first and last frame
//   player_latency_s   the player's own live-latency estimate, median of 1-s samples (hls.js
//                      hls.latency, dash.js getCurrentLiveLatency(), Shaka stats liveLatency)
//   stalls             'waiting' events in the window
//   readout_s          --page: the page's latency readout ("1.2 s behind live"), median of 1-s samples
//   switch             --switch-at S: S seconds after the start the player is told to play
//                      another video rendition (hls.js nextLevel, dash.js
//                      setRepresentationForTypeByIndex, ABR off): {from, to, level_at_end}
//   playback_rate      media seconds per wall second over the window (< 1: the player fell
//                      behind, e.g. on a starved machine; latency grows by the difference)
//
// --trace FILE writes what happened as JSON, from navigation on: every frame
// ({display_ms, send_ms (null: not decoded), media_time}), the stream's
// requests ({url, start_ms, end_ms}; wall clock), the player's state once a
// second (currentTime, buffered end, its latency estimate; hls.js: edge, age,
// targetLatency, liveSyncPosition), the sampling window, the stalls and the
// page's console ({wall_ms, text}: the player's log with e.g. {"debug":true}).
//   errors, warnings   the page's player errors
//   http_errors        responses >= 400 as "STATUS URL"
//   version            the player library's version
//   harness_error      set when the harness itself failed
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHROMIUM_ARGS, parseOptions, round, runAndReport, sleep, waitForStart, withPage,
} from './common.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const LIBRARY_PACKAGES = new Set(['dashjs', 'dashjs4', 'shaka-player', 'hls.js']);
const PLAYERS = new Set(['hlsjs', 'dashjs5', 'dashjs4', 'shaka']);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
// Must match tests/e2e/support/latency.py.
const CELLS = 36;
const DATA_BITS = 32;
const STRIP_FRACTION = 15;

const ARGS = [
  ...CHROMIUM_ARGS,
  '--disable-web-security',
  // Only loopback: nothing a player asks for may leave the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

function readOptions() {
  const { values, usage, number } = parseOptions('latency.mjs', 'node latency.mjs --url MANIFEST_URL ' +
    '[--player hlsjs|dashjs5|dashjs4|shaka] [--config JSON] [--seconds N] [--warmup N] [--start-timeout S] ' +
    '[--trace FILE] [--chromium PATH]', {
    player: { type: 'string', default: 'hlsjs' },
    config: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '4' },
    'start-timeout': { type: 'string', default: '40' },
    trace: { type: 'string' },
    page: { type: 'boolean', default: false },
    'switch-at': { type: 'string' },
  });
  if (!PLAYERS.has(values.player)) usage(`--player must be one of ${[...PLAYERS].join(', ')}`);
  if (values.config !== undefined) {
    try {
      JSON.parse(values.config);
    } catch (error) {
      usage(`--config is not JSON: ${error.message}`);
    }
  }
  return {
    url: values.url,
    player: values.player,
    config: values.config,
    seconds: number('seconds', values.seconds),
    warmup: number('warmup', values.warmup),
    startTimeout: number('start-timeout', values['start-timeout']),
    trace: values.trace,
    page: values.page,
    switchAt: values['switch-at'] === undefined ? null : number('switch-at', values['switch-at']),
    chromium: values.chromium,
  };
}

/** The page's origin: foreign/player.html(+.js) and /lib/<package>/... from node_modules. */
function servePage() {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    let file = null;
    if (path === '/player.html' || path === '/player.js') file = join(HERE, 'foreign', path.slice(1));
    else if (path.startsWith('/lib/') && LIBRARY_PACKAGES.has(path.split('/')[2]) && !path.includes('..')) {
      file = normalize(join(HERE, 'node_modules', path.slice('/lib/'.length)));
    }
    try {
      if (!file) throw new Error('not here');
      const body = await readFile(file);
      response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Runs in the page: reads the clock strip of every displayed frame. Each
 * frame's strip is scaled into a CELLS*10 x 10 canvas; a cell's value is the
 * mean luma of its middle 4x6 pixels (away from the edges the scaling and the
 * encoder blur). The decoding rules are those of decode_cells() in
 * support/latency.py.
 */
function installClockReader({ cells, dataBits, stripFraction }) {
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  canvas.width = cells * 10;
  canvas.height = 10;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  // Every displayed frame from the start; the caller picks its window by display time.
  const reader = { frames: [], stalls: [] };
  window.clockReader = reader;
  video.addEventListener('waiting', () => reader.stalls.push(Date.now()));

  const cellMeans = () => {
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const means = [];
    for (let i = 0; i < cells; i += 1) {
      let sum = 0;
      let n = 0;
      for (let y = 2; y < 8; y += 1) {
        for (let x = i * 10 + 3; x < i * 10 + 7; x += 1) {
          const p = (y * canvas.width + x) * 4;
          sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
          n += 1;
        }
      }
      means.push(sum / n);
    }
    return means;
  };

  const decodeClock = (means) => {
    const white = (means[0] + means[cells - 1]) / 2;
    const black = means[1];
    const span = white - black;
    if (span < 80 || Math.abs(means[0] - means[cells - 1]) > span / 4) return null;
    const threshold = black + span / 2;
    let value = 0;
    let ones = 0;
    for (let i = 2; i < 3 + dataBits; i += 1) {
      if (Math.abs(means[i] - threshold) < span / 4) return null;
      const bit = means[i] > threshold ? 1 : 0;
      ones += bit;
      if (i < 2 + dataBits) value = value * 2 + bit;
    }
    return ones % 2 === 0 ? value : null;
  };

  const unwrap = (stamp, nowMs) => {
    const modulus = 2 ** dataBits;
    const diff = nowMs - stamp + modulus / 2;
    return nowMs - ((((diff % modulus) + modulus) % modulus) - modulus / 2);
  };

  const onFrame = (_, metadata) => {
    // The frame's display time on the wall clock (Date: the system clock FFmpeg stamped with).
    const displayMs = Date.now() + (metadata.expectedDisplayTime - performance.now());
    if (video.videoWidth && video.videoHeight) {
      const stripHeight = Math.max(8, Math.floor(video.videoHeight / stripFraction));
      context.drawImage(video, 0, 0, video.videoWidth, stripHeight, 0, 0, canvas.width, canvas.height);
      const stamp = decodeClock(cellMeans());
      reader.frames.push({
        display_ms: displayMs,
        send_ms: stamp === null ? null : unwrap(stamp, displayMs),
        media_time: metadata.mediaTime,
      });
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

/** Runs in the page: the player's state for the trace and its own live-latency estimate (s). */
function playerState() {
  const player = window.foreignPlayer;
  const video = document.querySelector('video');
  const state = {
    wall_ms: Date.now(),
    current_time: video?.currentTime ?? null,
    buffered_end: video?.buffered.length ? video.buffered.end(video.buffered.length - 1) : null,
    latency_s: null,
  };
  try {
    const page = window.tidecastPlayer;
    if (page) {
      // A Tidecast watch page: its engine's estimate and what the readout shows.
      state.latency_s = page.latency();
      const readout = document.getElementById('latency');
      const shown = readout && !readout.hidden ? Number.parseFloat(readout.textContent) : Number.NaN;
      state.readout_s = Number.isFinite(shown) ? shown : null;
      state.level = page.currentLevel();
    } else if (!player) return state;
    else if (typeof player.getCurrentLiveLatency === 'function') state.latency_s = player.getCurrentLiveLatency();
    else if (typeof player.getStats === 'function') state.latency_s = player.getStats().liveLatency ?? null;
    else if ('latency' in player) {
      state.latency_s = player.latency;
      state.target_latency_s = player.targetLatency;
      state.live_sync_position = player.liveSyncPosition;
      const details = player.latestLevelDetails;
      if (details) Object.assign(state, { edge: details.edge, age: details.age, level: player.currentLevel });
    }
  } catch {
    // a player between states: report what we have
  }
  if (typeof state.latency_s !== 'number' || !Number.isFinite(state.latency_s)) state.latency_s = null;
  return state;
}

/**
 * Runs in the page: switches the stock player to another video rendition (the
 * top one, or the lowest when already on top) and returns {from, to}; or the
 * level it plays now (`query`). Levels are hls.js level / dash.js video
 * representation indices.
 */
function switchLevel(query) {
  const player = window.foreignPlayer;
  if (!player) return null;
  if (typeof player.getRepresentationsByType === 'function') {
    const list = player.getRepresentationsByType('video');
    const current = player.getCurrentRepresentationForType('video');
    const from = list.findIndex((r) => r.id === current?.id);
    if (query) return from;
    const to = from === list.length - 1 ? 0 : list.length - 1;
    player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
    player.setRepresentationForTypeByIndex('video', to, true);
    return { from, to, count: list.length };
  }
  if ('levels' in player) {
    const from = player.currentLevel;
    if (query) return from;
    const to = from === player.levels.length - 1 ? 0 : player.levels.length - 1;
    player.nextLevel = to;
    return { from, to, count: player.levels.length };
  }
  return null;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = ((sorted.length - 1) * p) / 100;
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** Fills the result from the frames displayed in [fromMs, toMs). */
function summarize(frames, stalls, fromMs, toMs, result) {
  const inWindow = frames.filter((f) => f.display_ms >= fromMs && f.display_ms < toMs);
  const samples = inWindow.filter((f) => f.send_ms !== null);
  const latencies = samples.map((s) => s.display_ms - s.send_ms).sort((a, b) => a - b);
  const at = (p) => (latencies.length ? Math.round(percentile(latencies, p)) : null);
  result.samples = latencies.length;
  result.rejected = inWindow.length - samples.length;
  result.p50_ms = at(50);
  result.p95_ms = at(95);
  result.min_ms = at(0);
  result.max_ms = at(100);
  result.mean_ms = latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null;
  result.backwards = samples.filter((s, i) => i > 0 && s.send_ms <= samples[i - 1].send_ms).length;
  result.first_send_ms = samples.length ? samples[0].send_ms : null;
  result.last_send_ms = samples.length ? samples[samples.length - 1].send_ms : null;
  result.stalls = stalls.filter((t) => t >= fromMs && t < toMs).length;
  // Media seconds played per wall second over the window: below 1 the player fell behind
  // (a starved machine slows the media clock without any 'waiting' event).
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  result.playback_rate = inWindow.length > 1 && last.display_ms > first.display_ms
    ? round((last.media_time - first.media_time) / ((last.display_ms - first.display_ms) / 1000)) : null;
}

function traceNetwork(page, trace) {
  page.on('requestfinished', (request) => {
    const timing = request.timing();
    const url = new URL(request.url());
    if (url.port === String(trace.pagePort)) return;  // the page and its libraries
    trace.requests.push({
      url: `${url.pathname}${url.search}`,
      start_ms: Math.round(timing.startTime),
      end_ms: Math.round(timing.startTime + timing.responseEnd),
    });
  });
}

async function measure(options, result) {
  const site = await servePage();
  const trace = { pagePort: site.address().port, requests: [], states: [] };
  try {
    const query = new URLSearchParams({ player: options.player, src: options.url });
    if (options.config) query.set('config', options.config);
    const pageUrl = options.page ? options.url : `http://127.0.0.1:${site.address().port}/player.html?${query}`;
    const errorsGlobal = options.page ? 'tidecastPlayer' : 'probe';
    const browser = { chromiumPath: options.chromium, args: ARGS, viewport: { width: 800, height: 450 } };
    await withPage(browser, async (page) => {
      page.on('response', (response) => {
        if (response.status() >= 400 && result.http_errors.length < 50) {
          result.http_errors.push(`${response.status()} ${response.url()}`);
        }
      });
      page.on('pageerror', (error) => result.errors.push(`pageerror: ${error.message}`));
      if (options.trace) {
        traceNetwork(page, trace);
        // The player's own log (e.g. hls.js with {"debug":true}), stamped with the wall clock.
        trace.console = [];
        page.on('console', (message) => {
          if (trace.console.length < 20000) trace.console.push({ wall_ms: Date.now(), text: message.text() });
        });
      }

      const navigated = Date.now();
      trace.navigated_ms = navigated;
      await page.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: options.startTimeout * 1000 });
      await page.waitForFunction(() => document.querySelector('video'), null, { timeout: 10000 });
      await page.evaluate(installClockReader, { cells: CELLS, dataBits: DATA_BITS, stripFraction: STRIP_FRACTION });
      const readProbe = async () => {
        const probe = await page.evaluate(() => window.probe ?? (window.tidecastPlayer
          ? { errors: window.tidecastPlayer.errors, warnings: [], version: null } : null)).catch(() => null);
        if (!probe) return;
        result.errors.push(...probe.errors);
        result.warnings = probe.warnings.slice(0, 20);
        result.version = probe.version;
      };
      result.started = (await waitForStart(page, errorsGlobal, options.startTimeout)) === 'started';
      if (!result.started) {
        await readProbe();
        return;
      }
      result.start_seconds = round((Date.now() - navigated) / 1000);
      trace.started_ms = Date.now();

      const end = Date.now() + (options.warmup + options.seconds) * 1000;
      const switchAt = options.switchAt === null ? null : Date.now() + options.switchAt * 1000;
      while (Date.now() < end) {
        if (switchAt !== null && !result.switch && Date.now() >= switchAt) {
          result.switch = await page.evaluate(switchLevel, false);
          if (result.switch) result.switch.at_ms = Date.now();
        }
        trace.states.push(await page.evaluate(playerState));
        await sleep(Math.min(1000, Math.max(0, end - Date.now())));
      }
      const windowFrom = end - options.seconds * 1000;
      if (result.switch) result.switch.level_at_end = await page.evaluate(switchLevel, true);
      const reader = await page.evaluate(() => window.clockReader);
      summarize(reader.frames, reader.stalls, windowFrom, end, result);
      const estimates = trace.states.filter((s) => s.wall_ms >= windowFrom && s.latency_s !== null)
        .map((s) => s.latency_s).sort((a, b) => a - b);
      result.player_latency_s = estimates.length ? round(percentile(estimates, 50)) : null;
      const readouts = trace.states.filter((s) => s.wall_ms >= windowFrom && typeof s.readout_s === 'number')
        .map((s) => s.readout_s).sort((a, b) => a - b);
      result.readout_s = readouts.length ? round(percentile(readouts, 50)) : null;
      await readProbe();
      if (options.trace) {
        trace.window_ms = [windowFrom, end];
        trace.frames = reader.frames;
        trace.stalls = reader.stalls;
        await writeFile(options.trace, JSON.stringify(trace));
      }
    });
  } finally {
    site.close();
  }
}

const options = readOptions();
const result = {
  ok: false,
  player: options.player,
  url: options.url,
  config: options.config ? JSON.parse(options.config) : null,
  started: false,
  start_seconds: null,
  seconds: options.seconds,
  samples: 0,
  p50_ms: null,
  p95_ms: null,
  min_ms: null,
  max_ms: null,
  mean_ms: null,
  rejected: 0,
  backwards: 0,
  first_send_ms: null,
  last_send_ms: null,
  player_latency_s: null,
  readout_s: null,
  switch: null,
  stalls: 0,
  playback_rate: null,
  errors: [],
  warnings: [],
  http_errors: [],
  version: null,
  harness_error: null,
};

// runAndReport's deadline counts startTimeout twice plus seconds; the warm-up comes on top.
const deadlineOptions = { ...options, seconds: options.seconds + options.warmup };
await runAndReport(deadlineOptions, result, (r) => measure(options, r), (r) => {
  r.ok = r.started && !r.harness_error && r.errors.length === 0 && r.samples >= r.seconds;
});
