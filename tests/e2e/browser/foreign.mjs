#!/usr/bin/env node
// Plays a stream in a stock player (dash.js 4/5, Shaka, hls.js at default
// settings) on a page from ANOTHER origin (foreign/player.html, served by the
// calling test, not by Tidecast) in headless Chromium, and reports what
// happened as ONE JSON line on stdout. Exits 0 whenever it could report; 2 on
// bad arguments.
//
//   node foreign.mjs --url PAGE_URL [--seconds 14] [--start-timeout 30]
//
// Output fields:
//   started             the playhead moved within --start-timeout
//   start_seconds       time from navigation to the first advancing frame
//   advanced            media seconds played while sampling (jumps not counted)
//   longest_freeze      longest wall time (s) the playhead stood still while sampling
//   errors, warnings    the page's window.probe (player error events)
//   version             the player library's version
//   clock_offset_ms     dash.js: the client-server clock offset it settled on
//   manifest_requests   requests for *.mpd / *.m3u8 (dash.js: MPD refreshes)
//   time_requests       requests for /api/v1/time (the MPD's UTCTiming)
//   http_errors         responses >= 400 as "STATUS URL" (e.g. segments asked too early)
//   failed_requests     requests that failed outright (network, CORS)
//   console_errors      console.error messages and uncaught page errors
//   console_warnings    the first console.warn messages (the players' own warnings)
//   final_time          the playhead at the end
//   harness_error       set when the harness itself failed
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  // Host names resolve to nothing: the pages reach 127.0.0.1 only, so a player
  // falling back to an internet time source (dash.js's default) fails here
  // as it would offline, and never leaves the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];
const SAMPLE_MS = 250;

function usage(message) {
  process.stderr.write(`foreign.mjs: ${message}\nusage: node foreign.mjs --url URL [--seconds N] ` +
    '[--start-timeout S] [--chromium PATH]\n');
  process.exit(2);
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        seconds: { type: 'string', default: '14' },
        'start-timeout': { type: 'string', default: '30' },
        chromium: { type: 'string', default: process.env.TIDECAST_CHROMIUM || '/usr/bin/chromium' },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  const number = (name, value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) usage(`--${name} wants a number, got "${value}"`);
    return n;
  };
  if (!values.url) usage('--url is required');
  return {
    url: values.url,
    seconds: number('seconds', values.seconds),
    startTimeout: number('start-timeout', values['start-timeout']),
    chromium: values.chromium,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x) => Math.round(x * 1000) / 1000;

/** Runs in the page. */
function pageState() {
  const video = document.querySelector('video');
  const probe = window.probe ?? { errors: [], warnings: [] };
  return {
    time: video.currentTime,
    paused: video.paused,
    errors: [...probe.errors],
    warnings: [...probe.warnings],
    version: probe.version ?? null,
    clockOffsetMs: probe.clockOffsetMs ?? null,
  };
}

function watchNetwork(page, result) {
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.mpd') || path.endsWith('.m3u8')) result.manifest_requests += 1;
    if (path === '/api/v1/time') result.time_requests += 1;
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && result.http_errors.length < 50) {
      result.http_errors.push(`${response.status()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    if (result.failed_requests.length < 50) {
      result.failed_requests.push(`${request.failure()?.errorText ?? 'failed'} ${request.url()}`);
    }
  });
}

async function play(options, result) {
  const profile = await mkdtemp(join(tmpdir(), 'tidecast-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 800, height: 450 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      const text = msg.text().slice(0, 300);
      if (msg.type() === 'error') result.console_errors.push(text);
      else if (msg.type() === 'warning' && result.console_warnings.length < 30) result.console_warnings.push(text);
    });
    page.on('pageerror', (error) => result.console_errors.push(`pageerror: ${error.message}`));
    watchNetwork(page, result);

    const navigated = Date.now();
    await page.goto(options.url, { waitUntil: 'domcontentloaded', timeout: options.startTimeout * 1000 });
    const outcome = await page.waitForFunction(() => {
      const video = document.querySelector('video');
      if (window.probe?.errors.length) return 'error';
      return video && !video.paused && video.currentTime > 0 && video.readyState >= 2 ? 'started' : false;
    }, null, { polling: 100, timeout: options.startTimeout * 1000 }).then((h) => h.jsonValue()).catch(() => 'timeout');
    result.started = outcome === 'started';
    if (result.started) result.start_seconds = round((Date.now() - navigated) / 1000);

    if (result.started) {
      let last = await page.evaluate(pageState);
      let lastWall = Date.now();
      let stillSince = lastWall;
      const begin = lastWall;
      while (Date.now() - begin < options.seconds * 1000) {
        await sleep(SAMPLE_MS);
        const now = await page.evaluate(pageState);
        const wall = Date.now();
        const moved = now.time - last.time;
        // Forward progress no faster than 1.5x wall time: a jump is not playback.
        result.advanced += Math.min(Math.max(moved, 0), ((wall - lastWall) / 1000) * 1.5);
        if (moved > 0) stillSince = wall;
        result.longest_freeze = Math.max(result.longest_freeze, (wall - stillSince) / 1000);
        last = now;
        lastWall = wall;
      }
    }

    const final = await page.evaluate(pageState);
    Object.assign(result, {
      errors: final.errors,
      warnings: final.warnings.slice(0, 20),
      version: final.version,
      clock_offset_ms: final.clockOffsetMs,
      final_time: round(final.time),
    });
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
}

const options = readOptions();
const result = {
  started: false,
  start_seconds: null,
  advanced: 0,
  seconds: options.seconds,
  longest_freeze: 0,
  errors: [],
  warnings: [],
  version: null,
  clock_offset_ms: null,
  manifest_requests: 0,
  time_requests: 0,
  http_errors: [],
  failed_requests: [],
  console_errors: [],
  console_warnings: [],
  final_time: null,
  harness_error: null,
};

let reported = false;
function report() {
  if (reported) return;
  reported = true;
  result.advanced = round(result.advanced);
  result.longest_freeze = round(result.longest_freeze);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const deadline = setTimeout(() => {
  result.harness_error = 'harness deadline exceeded';
  report();
  process.exit(0);
}, (options.startTimeout * 2 + options.seconds + 30) * 1000);

try {
  await play(options, result);
} catch (error) {
  result.harness_error = String(error?.message ?? error).split('\n')[0];
}
clearTimeout(deadline);
report();
