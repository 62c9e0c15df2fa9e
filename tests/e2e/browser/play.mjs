#!/usr/bin/env node
// Plays a Tidecast watch page in headless Chromium and reports what happened
// as ONE JSON line on stdout. Exits 0 whenever it could report (even when the
// playback was bad: the calling test asserts); 2 on bad arguments.
//
//   node play.mjs --url URL [--seconds 10] [--switch-level I [--switch-at S]]
//                 [--screenshot out.png] [--start-timeout 20] [--viewport 1280x720]
//                 [--seek S] [--started-file PATH]
//
// Output fields:
//   ok                  started, advanced >= 80 % of --seconds, no player errors,
//                       and (with --switch-level) the forced level is playing at the end
//   started             playback began within --start-timeout
//   start_seconds       time from navigation to the first advancing frame
//   advanced            media seconds played while sampling (jumps/seeks not counted)
//   stalls, errors      window.tidecastPlayer.stalls / .errors at the end
//   levels              window.tidecastPlayer.levels()
//   level_after_switch  currentLevel() at the end (null without --switch-level)
//   switch_seconds      time from setLevel() until currentLevel() showed it (or null)
//   console_errors      console.error messages and uncaught page errors
//   final_time          the playhead at the end (with --seek: sampling starts at S)
//   harness_error       set when the harness itself failed (launch, navigation, timeout)
//
// With --started-file, PATH is created the moment playback starts (for a test
// that must act while the player plays, e.g. kill a server under it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];
const SAMPLE_MS = 250;

function usage(message) {
  process.stderr.write(`play.mjs: ${message}\nusage: node play.mjs --url URL [--seconds N] [--switch-level I] ` +
    '[--switch-at S] [--screenshot FILE] [--start-timeout S] [--viewport WxH] [--seek S] [--chromium PATH]\n');
  process.exit(2);
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        seconds: { type: 'string', default: '10' },
        'switch-level': { type: 'string' },
        'switch-at': { type: 'string' },
        screenshot: { type: 'string' },
        'start-timeout': { type: 'string', default: '20' },
        viewport: { type: 'string', default: '1280x720' },
        seek: { type: 'string' },
        'started-file': { type: 'string' },
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
  const viewport = values.viewport.match(/^(\d+)x(\d+)$/);
  if (!viewport) usage('--viewport wants WIDTHxHEIGHT');
  const seconds = number('seconds', values.seconds);
  const switchLevel = values['switch-level'] === undefined ? null : Math.trunc(number('switch-level', values['switch-level']));
  return {
    url: values.url,
    seconds,
    switchLevel,
    switchAt: values['switch-at'] === undefined ? seconds / 2 : number('switch-at', values['switch-at']),
    screenshot: values.screenshot ?? null,
    startedFile: values['started-file'] ?? null,
    startTimeout: number('start-timeout', values['start-timeout']),
    viewport: { width: Number(viewport[1]), height: Number(viewport[2]) },
    chromium: values.chromium,
    seek: values.seek === undefined ? null : number('seek', values.seek),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs in the page: the playback facts the harness samples. */
function pageState() {
  const video = document.querySelector('video');
  const player = window.tidecastPlayer;
  return {
    hasPlayer: Boolean(player),
    time: video ? video.currentTime : 0,
    paused: video ? video.paused : true,
    width: video ? video.videoWidth : 0,
    height: video ? video.videoHeight : 0,
    errors: player ? [...player.errors] : [],
    stalls: player ? player.stalls : 0,
    level: player ? player.currentLevel() : null,
    levels: player ? player.levels() : [],
    engine: player ? player.engine : null,
    native: player ? player.native : null,
  };
}

async function play(options, result, consoleErrors) {
  const profile = await mkdtemp(join(tmpdir(), 'tidecast-chromium-'));
  let context;
  try {
    // A persistent context on a fresh, throw-away directory: the same browser
    // launch(), with the profile's location (and its removal) in our hands.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));

    const navigated = Date.now();
    await page.goto(options.url, { waitUntil: 'domcontentloaded', timeout: options.startTimeout * 1000 });
    // Started = the playhead moves; stop waiting early once the player gave up.
    const outcome = await page.waitForFunction(() => {
      const video = document.querySelector('video');
      if (window.tidecastPlayer?.errors.length) return 'error';
      return video && !video.paused && video.currentTime > 0 && video.readyState >= 2 ? 'started' : false;
    }, null, { polling: 100, timeout: options.startTimeout * 1000 }).then((h) => h.jsonValue()).catch(() => 'timeout');
    result.started = outcome === 'started';
    if (result.started) result.start_seconds = round((Date.now() - navigated) / 1000);
    if (result.started && options.startedFile) await writeFile(options.startedFile, `${Date.now()}\n`);

    if (result.started && options.seek !== null) {
      // Sampling begins once the player plays again from the new position.
      await page.evaluate((at) => { document.querySelector('video').currentTime = at; }, options.seek);
      await page.waitForFunction((at) => {
        const video = document.querySelector('video');
        return video.currentTime >= at && !video.seeking && video.readyState >= 2;
      }, options.seek, { polling: 100, timeout: options.startTimeout * 1000 }).catch(() => {
        result.harness_error = `did not resume after seeking to ${options.seek} s`;
      });
    }

    if (result.started && !result.harness_error) {
      let last = await page.evaluate(pageState);
      let lastWall = Date.now();
      const begin = lastWall;
      let switchedAt = null;
      while (Date.now() - begin < options.seconds * 1000) {
        await sleep(SAMPLE_MS);
        const elapsed = (Date.now() - begin) / 1000;
        if (options.switchLevel !== null && switchedAt === null && elapsed >= options.switchAt) {
          await page.evaluate((level) => window.tidecastPlayer.setLevel(level), options.switchLevel);
          switchedAt = Date.now();
        }
        const now = await page.evaluate(pageState);
        const wall = Date.now();
        // Count forward progress no faster than 1.5x wall time: a seek or a
        // jump to the live edge is not playback.
        result.advanced += Math.min(Math.max(now.time - last.time, 0), ((wall - lastWall) / 1000) * 1.5);
        if (switchedAt !== null && result.switch_seconds === null && now.level === options.switchLevel) {
          result.switch_seconds = round((wall - switchedAt) / 1000);
        }
        last = now;
        lastWall = wall;
      }
    }

    const final = await page.evaluate(pageState);
    Object.assign(result, {
      stalls: final.stalls,
      errors: final.errors,
      levels: final.levels,
      engine: final.engine,
      native: final.native,
      final_time: round(final.time),
      video_size: [final.width, final.height],
    });
    if (!final.hasPlayer) result.harness_error = 'page has no window.tidecastPlayer';
    if (options.switchLevel !== null) result.level_after_switch = final.level;
    if (options.screenshot) await page.screenshot({ path: options.screenshot });
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}

const options = readOptions();
const consoleErrors = [];
const result = {
  ok: false,
  started: false,
  start_seconds: null,
  advanced: 0,
  seconds: options.seconds,
  stalls: 0,
  errors: [],
  levels: [],
  switch_level: options.switchLevel,
  level_after_switch: null,
  switch_seconds: null,
  console_errors: consoleErrors,
  harness_error: null,
};

let reported = false;
function report() {
  if (reported) return;
  reported = true;
  result.advanced = round(result.advanced);
  result.ok = !result.harness_error && result.started && result.errors.length === 0 &&
    result.advanced >= options.seconds * 0.8 &&
    (options.switchLevel === null || result.level_after_switch === options.switchLevel);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// Whatever hangs, the caller still gets its line well before its own timeout.
const deadline = setTimeout(() => {
  result.harness_error = 'harness deadline exceeded';
  report();
  process.exit(0);
}, (options.startTimeout * 2 + options.seconds + 30) * 1000);

try {
  await play(options, result, consoleErrors);
} catch (error) {
  result.harness_error = String(error?.message ?? error).split('\n')[0];
}
clearTimeout(deadline);
report();
