// What the playback harnesses (play.mjs, foreign.mjs) share: Chromium's
// arguments and launch on a throw-away profile, option parsing, waiting for
// playback to start, and reporting ONE JSON line on stdout whatever happens.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];
export const SAMPLE_MS = 250;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (x) => Math.round(x * 1000) / 1000;

/**
 * Parses the command line: `spec` holds the script's own options (parseArgs
 * format) besides --url (required) and --chromium (default: $TIDECAST_CHROMIUM
 * or /usr/bin/chromium). On a bad command line prints `usageLine` and exits 2.
 * Returns { values, usage(message), number(name, value) } for the script to
 * finish its own checks with.
 */
export function parseOptions(script, usageLine, spec) {
  const usage = (message) => {
    process.stderr.write(`${script}: ${message}\nusage: ${usageLine}\n`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        ...spec,
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
  return { values, usage, number };
}

/**
 * Runs `use(page)` in headless Chromium on a fresh, throw-away profile: a
 * persistent context, i.e. the same browser launch() gives, with the
 * profile's location (and its removal) in our hands.
 */
export async function withPage({ chromiumPath, args = CHROMIUM_ARGS, viewport }, use) {
  const profile = await mkdtemp(join(tmpdir(), 'tidecast-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args,
      viewport,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return await use(page);
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * Waits until the page's video plays (the playhead moves): 'started', 'error'
 * as soon as window[errorsGlobal].errors is non-empty (the player gave up),
 * or 'timeout'.
 */
export function waitForStart(page, errorsGlobal, timeoutSeconds) {
  return page.waitForFunction((name) => {
    const video = document.querySelector('video');
    if (window[name]?.errors.length) return 'error';
    return video && !video.paused && video.currentTime > 0 && video.readyState >= 2 ? 'started' : false;
  }, errorsGlobal, { polling: 100, timeout: timeoutSeconds * 1000 }).then((h) => h.jsonValue()).catch(() => 'timeout');
}

/**
 * Runs `play(result)` and prints `result` as one JSON line, after
 * `finish(result)`, exactly once: also when play throws (harness_error) and,
 * whatever hangs, at a deadline well before the caller's own timeout.
 */
export async function runAndReport(options, result, play, finish) {
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    finish(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  };
  const deadline = setTimeout(() => {
    result.harness_error = 'harness deadline exceeded';
    report();
    process.exit(0);
  }, (options.startTimeout * 2 + options.seconds + 30) * 1000);
  try {
    await play(result);
  } catch (error) {
    result.harness_error = String(error?.message ?? error).split('\n')[0];
  }
  clearTimeout(deadline);
  report();
}
