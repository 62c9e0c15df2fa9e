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
import {
  CHROMIUM_ARGS, parseOptions, round, runAndReport, SAMPLE_MS, sleep, waitForStart, withPage,
} from './common.mjs';

const ARGS = [
  ...CHROMIUM_ARGS,
  // Host names resolve to nothing: the pages reach 127.0.0.1 only, so a player
  // falling back to an internet time source (dash.js's default) fails here
  // as it would offline, and never leaves the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

function readOptions() {
  const { values, number } = parseOptions('foreign.mjs', 'node foreign.mjs --url URL [--seconds N] ' +
    '[--start-timeout S] [--chromium PATH]', {
    seconds: { type: 'string', default: '14' },
    'start-timeout': { type: 'string', default: '30' },
  });
  return {
    url: values.url,
    seconds: number('seconds', values.seconds),
    startTimeout: number('start-timeout', values['start-timeout']),
    chromium: values.chromium,
  };
}

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

function play(options, result) {
  return withPage({ chromiumPath: options.chromium, args: ARGS, viewport: { width: 800, height: 450 } }, async (page) => {
    page.on('console', (msg) => {
      const text = msg.text().slice(0, 300);
      if (msg.type() === 'error') result.console_errors.push(text);
      else if (msg.type() === 'warning' && result.console_warnings.length < 30) result.console_warnings.push(text);
    });
    page.on('pageerror', (error) => result.console_errors.push(`pageerror: ${error.message}`));
    watchNetwork(page, result);

    const navigated = Date.now();
    await page.goto(options.url, { waitUntil: 'domcontentloaded', timeout: options.startTimeout * 1000 });
    const outcome = await waitForStart(page, 'probe', options.startTimeout);
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
  });
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

await runAndReport(options, result, (r) => play(options, r), (r) => {
  r.advanced = round(r.advanced);
  r.longest_freeze = round(r.longest_freeze);
});
