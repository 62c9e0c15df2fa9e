#!/usr/bin/env node
// Drives Tidecast's web pages in headless Chromium for the web UI end-to-end
// tests. A long-lived process: it reads one JSON command per line on stdin and
// answers each with one JSON line on stdout ({"ok":true,...} or
// {"ok":false,"error":"..."}), so the Python test can interleave browser steps
// with ffmpeg and the CLI. One browser; each "context" command starts a fresh
// cookie jar (a new visitor).
//
//   node webui.mjs --base http://127.0.0.1:PORT [--chromium PATH]
//
// Commands (field "cmd"): context, goto, signin, create_channel, wait_home_live,
// play, wait_live_state, upload, screenshot, fetch, text, watch_page,
// embed_foreign, console_errors, quit.
// See `handlers`.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    chromium: { type: 'string', default: process.env.TIDECAST_CHROMIUM || '/usr/bin/chromium' },
  },
});
if (!args.base) {
  process.stderr.write('usage: node webui.mjs --base URL [--chromium PATH]\n');
  process.exit(2);
}
const base = args.base.replace(/\/$/, '');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x) => Math.round(x * 1000) / 1000;

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
});
let context = null;
let page = null;
const consoleErrors = [];
const navigations = [];  // [time, url] of main-frame navigations, for diagnostics
let loading = 0;  // requests in flight, event streams left out: they never finish
let lastSettled = Date.now();

async function newContext(viewport = { width: 1280, height: 800 }) {
  await context?.close().catch(() => {});
  context = await browser.newContext({ viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => dialog.accept());  // confirmations: yes
  loading = 0;
  const own = page;  // a closed context's page may still report; it counts no more
  const done = (request) => {
    if (own !== page || request.resourceType() === 'eventsource') return;
    loading = Math.max(0, loading - 1);
    if (loading === 0) lastSettled = Date.now();
  };
  page.on('request', (request) => {
    if (own === page && request.resourceType() !== 'eventsource') loading += 1;
  });
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push([Date.now(), frame.url()]);
  });
}

function parseViewport(text) {
  const m = /^(\d+)x(\d+)$/.exec(text ?? '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

// Playwright's 'networkidle' never comes to a page with an event stream open
// (Manage, Upload, watch pages): it cost every such step its 5-s timeout.
// The same rule (no request for 500 ms) without the event streams.
async function untilRequestsSettle(timeout = 5000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (loading === 0 && Date.now() - lastSettled >= 500) return;
    await sleep(50);
  }
}

async function goto(path) {
  const response = await page.goto(base + path, { waitUntil: 'domcontentloaded', timeout: 20000 });
  return response?.status() ?? 0;
}

const handlers = {
  async context({ viewport }) {
    await newContext(parseViewport(viewport) ?? undefined);
    return {};
  },

  async viewport({ size }) {
    await page.setViewportSize(parseViewport(size) ?? { width: 1280, height: 800 });
    return {};
  },

  async goto({ path, wait_url: waitUrl }) {
    const status = await goto(path);
    if (waitUrl) await page.waitForURL((url) => url.href.includes(waitUrl), { timeout: 10000 }).catch(() => {});
    await untilRequestsSettle();
    return { status, url: page.url() };
  },

  async text({ selector }) {
    const node = page.locator(selector).first();
    return { text: (await node.count()) ? await node.innerText() : null };
  },

  // Waits until the element's visible text contains `contains`.
  async wait_text({ selector, contains = '', timeout = 10 }) {
    const deadline = Date.now() + timeout * 1000;
    let text = null;
    while (Date.now() < deadline) {
      const node = page.locator(selector).first();
      text = (await node.count()) && (await node.isVisible()) ? await node.innerText() : null;
      if (text !== null && text.includes(contains)) return { text };
      await sleep(250);
    }
    throw new Error(`${selector} never showed "${contains}" (last: ${JSON.stringify(text)})`);
  },

  async signin({ username, password, next = '/' }) {
    await goto(`/signin.html?next=${encodeURIComponent(next)}`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#signin-submit');
    const left = await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 10000 })
      .then(() => true).catch(() => false);
    return { signed_in: left, url: page.url(), error: left ? '' : await page.locator('#signin-error').innerText() };
  },

  async create_channel({ name, title }) {
    await goto('/golive.html');
    await page.waitForSelector('#create-form');
    // Tucked into a <details> once the user has a channel.
    await page.waitForSelector('#channel-list[data-loaded]', { state: 'attached', timeout: 10000 }).catch(() => {});
    await page.evaluate(() => document.querySelector('#new-channel')?.setAttribute('open', ''));
    await page.fill('#channel-name', name);
    await page.fill('#channel-title', title ?? name);
    // A double-click must create one channel, not two (nor show a conflict).
    await page.dblclick('#create-submit');
    await page.waitForSelector('#setup:not([hidden])', { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('#stream-key').value !== '', null, { timeout: 5000 });
    const hiddenType = await page.getAttribute('#stream-key', 'type');
    await page.click('#reveal-key');
    const revealedType = await page.getAttribute('#stream-key', 'type');
    const revealed = await page.inputValue('#stream-key');
    await page.click('#copy-key');
    await page.waitForFunction(() => /copied/i.test(document.querySelector('#key-note').textContent), null, { timeout: 5000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    return {
      hidden_type: hiddenType,
      revealed_type: revealedType,
      revealed,
      copied,
      rtmp_url: await page.inputValue('#rtmp-url'),
      rtmps_shown: await page.isVisible('#rtmps-url'),
      rows: await page.locator(`#channel-list li[data-channel="${name}"]`).count(),
      create_error: await page.locator('#create-error').innerText(),
    };
  },

  async wait_home_live({ channel, timeout = 20 }) {
    const deadline = Date.now() + timeout * 1000;
    while (Date.now() < deadline) {
      await goto('/');
      const href = `a[href="/watch.html?channel=${encodeURIComponent(channel)}"]`;
      const found = await page.locator(`#live-list ${href}`).waitFor({ timeout: 3000 }).then(() => true).catch(() => false);
      if (found) {
        const card = page.locator('#live-list li').filter({ has: page.locator(href) });
        return { found: true, badge: await card.locator('.badge').innerText(), card: await card.innerText() };
      }
      await sleep(1000);
    }
    return { found: false };
  },

  // Plays a watch page; with switch_level, picks that rung in the quality menu half way.
  async play({ path, seconds = 10, switch_level: switchLevel = null, start_timeout: startTimeout = 20 }) {
    await goto(path);
    const outcome = await page.waitForFunction(() => {
      const video = document.querySelector('#video');
      if (window.tidecastPlayer?.errors.length) return 'error';
      return video && !video.paused && video.currentTime > 0 && video.readyState >= 2 ? 'started' : false;
    }, null, { polling: 100, timeout: startTimeout * 1000 }).then((h) => h.jsonValue()).catch(() => 'timeout');
    const result = { started: outcome === 'started', advanced: 0, switch_seconds: null, stalls_after_switch: null };
    if (!result.started) {
      result.errors = await page.evaluate(() => window.tidecastPlayer?.errors ?? []);
      return result;
    }
    const state = () => page.evaluate(() => ({
      time: document.querySelector('#video').currentTime,
      level: window.tidecastPlayer.currentLevel(),
      stalls: window.tidecastPlayer.stalls,
      options: [...document.querySelectorAll('#quality option')].map((o) => o.textContent),
      latency: document.querySelector('#latency').hidden ? null : document.querySelector('#latency').textContent,
      height: document.querySelector('#video').videoHeight,
      live_badge: !document.querySelector('#live-badge').hidden,
    }));
    let last = await state();
    let lastWall = Date.now();
    const begin = lastWall;
    let switchedAt = null;
    let stallsAtSwitch = 0;
    while (Date.now() - begin < seconds * 1000) {
      await sleep(250);
      if (switchLevel !== null && switchedAt === null && Date.now() - begin >= (seconds * 1000) / 2) {
        // "other": whichever rung is not playing now, so the switch is a real one.
        if (switchLevel === 'other') switchLevel = last.level === 0 ? last.options.length - 2 : 0;
        result.switched_from = last.level;
        result.switched_to = switchLevel;
        await page.selectOption('#quality', String(switchLevel));
        switchedAt = Date.now();
        stallsAtSwitch = last.stalls;
      }
      const now = await state();
      const wall = Date.now();
      result.advanced += Math.min(Math.max(now.time - last.time, 0), ((wall - lastWall) / 1000) * 1.5);
      if (switchedAt !== null && result.switch_seconds === null && now.level === switchLevel) {
        result.switch_seconds = round((wall - switchedAt) / 1000);
      }
      last = now;
      lastWall = wall;
    }
    Object.assign(result, {
      advanced: round(result.advanced),
      stalls: last.stalls,
      stalls_after_switch: switchedAt === null ? null : last.stalls - stallsAtSwitch,
      level: last.level,
      video_height: last.height,
      quality_options: last.options,
      latency_text: last.latency,
      live_badge: last.live_badge,
      errors: await page.evaluate(() => window.tidecastPlayer.errors),
    });
    return result;
  },

  // Presses the watch page's shortcuts on the current page and reports what each did.
  async shortcuts() {
    const v = () => page.evaluate(() => {
      const video = document.querySelector('#video');
      return { paused: video.paused, muted: video.muted, time: video.currentTime };
    });
    await page.locator('h1').click();  // focus on the page, not on a control
    const before = await v();
    await page.keyboard.press('k');
    const afterK = await v();
    await page.keyboard.press('m');
    const afterM = await v();
    await page.keyboard.press('ArrowLeft');
    const afterLeft = await v();
    await page.keyboard.press(' ');
    await sleep(300);
    const afterSpace = await v();
    return { before, afterK, afterM, afterLeft, afterSpace };
  },

  // Uploads `file` through the upload page; reports the progress bar's values
  // while uploading, the conversion text seen, and the link at the end.
  // With drop_after_ms, the network goes away for drop_ms in the middle of it.
  async upload({ file, timeout = 180, throttle_bytes_per_second: throttle = 0, drop_after_ms: dropAfter = 0, drop_ms: dropFor = 3000, chunk_kb: chunkKb = 0, details = null }) {
    let detailsTyped = null;
    await goto(chunkKb ? `/upload.html?chunk_kb=${chunkKb}` : '/upload.html');
    await page.waitForSelector('#drop');
    const cdp = await context.newCDPSession(page);
    const network = (offline) => cdp.send('Network.emulateNetworkConditions', {
      offline, latency: 0, downloadThroughput: -1, uploadThroughput: throttle || -1,
    });
    if (throttle) await network(false);
    let dropped = false;
    const drop = dropAfter ? (async () => {
      await sleep(dropAfter);
      await network(true);
      dropped = true;
      await sleep(dropFor);
      await network(false);
    })() : Promise.resolve();
    await page.evaluate(() => {
      window.__seen = { upload: [], conversion: [], details: [] };
      const list = document.querySelector('#uploads');
      new MutationObserver(() => {
        const bar = list.querySelector('progress');
        const label = bar?.getAttribute('aria-label') ?? '';
        if (bar) (label.startsWith('Conversion') ? window.__seen.conversion : window.__seen.upload).push(Number(bar.value));
        const detail = list.querySelector('.upload .meta')?.textContent;
        if (detail && window.__seen.details.at(-1) !== detail) window.__seen.details.push(detail);
      }).observe(list, { subtree: true, attributes: true, childList: true, characterData: true });
    });
    await page.setInputFiles('#file-input', file);
    if (details) {
      // Typed while the file is still on its way.
      const row = page.locator('#uploads .upload').first();
      if (details.title !== undefined) await row.locator('.upload-title').fill(details.title);
      if (details.description !== undefined) await row.locator('.upload-description').fill(details.description);
      if (details.visibility !== undefined) await row.locator('.upload-visibility').selectOption(details.visibility);
      await row.locator('.upload-title').press('Tab');  // the last edit's change event
      detailsTyped = await row.locator('progress').evaluate((bar) => Number(bar.value) < 100).catch(() => null);
    }
    const done = await page.waitForSelector('#uploads .upload a.watch-link, #uploads .badge-failed', { timeout: timeout * 1000 })
      .then(() => true).catch(() => false);
    await drop;  // the network is back before anything else happens
    // A failure's reason (and whether it may be retried) comes from the video: wait for it.
    if (await page.locator('#uploads .upload').first().locator('.badge-failed').count()) {
      await page.locator('#uploads .upload[data-failure]').first().waitFor({ timeout: 10000 }).catch(() => {});
    }
    const seen = await page.evaluate(() => window.__seen);
    // Read only when there: a locator's getAttribute waits 30 s for a missing element (a failed upload has no link).
    const watchLink = page.locator('#uploads a.watch-link').first();
    const link = (await watchLink.count()) ? await watchLink.getAttribute('href') : null;
    return {
      done,
      dropped,
      link,
      video_id: await page.locator('#uploads .upload').first().getAttribute('data-video').catch(() => null),
      upload_values: seen.upload,
      conversion_values: seen.conversion,
      details: seen.details,
      final_text: await page.locator('#uploads .upload').first().innerText(),
      retries: Number(await page.locator('#uploads .upload').first().getAttribute('data-retries')) || 0,
      details_typed_while_uploading: detailsTyped,
      retry_buttons: await page.locator('#uploads .upload').first().getByRole('button', { name: 'Retry' }).count(),
      failure_code: await page.locator('#uploads .upload').first().getAttribute('data-failure'),
    };
  },

  async refuse_file({ name, mime, size }) {
    await goto('/upload.html');
    await page.waitForSelector('#drop');
    await page.setInputFiles('#file-input', { name, mimeType: mime, buffer: Buffer.alloc(size, 1) });
    const row = page.locator('#uploads .upload').first();
    await row.waitFor({ timeout: 5000 });
    return { text: await row.innerText() };
  },

  async edit_video({ video_id: id, title, visibility }) {
    await goto('/manage.html');
    const row = page.locator(`#manage-list li[data-video="${id}"]`);
    await row.waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.fill('#edit-title', title);
    await page.selectOption('#edit-visibility', visibility);
    await page.dblclick('#edit-save');
    await page.waitForFunction(() => !document.querySelector('#edit-dialog').open, null, { timeout: 10000 });
    return { row: await row.innerText() };
  },

  async delete_video({ video_id: id }) {
    await goto('/manage.html');
    const row = page.locator(`#manage-list li[data-video="${id}"]`);
    await row.waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: 'Delete' }).click();  // the confirmation is accepted
    await row.waitFor({ state: 'detached', timeout: 10000 });
    return { rows: await page.locator(`#manage-list li[data-video="${id}"]`).count() };
  },

  // The server forgets the session (as when it expires) while the browser still sends its cookie.
  async expire_session() {
    const cookies = await context.cookies(base);
    const session = cookies.find((c) => c.name === 'tidecast_session');
    if (!session) throw new Error('no tidecast_session cookie');
    await context.addCookies([{ ...session, value: `${session.value.slice(0, -4)}XXXX` }]);
    return {};
  },

  async fill_and_create_channel({ name }) {
    await page.fill('#channel-name', name);
    await page.click('#create-submit');
    await page.waitForURL((url) => url.pathname.startsWith('/signin'), { timeout: 10000 });
    return { url: page.url() };
  },

  async screenshot({ path, out, viewport, wait_selector: waitSelector, settle_ms: settle = 1500, color_scheme: scheme = 'light' }) {
    const size = parseViewport(viewport);
    if (size) await page.setViewportSize(size);
    await page.emulateMedia({ colorScheme: scheme });
    await goto(path);
    if (waitSelector) await page.waitForSelector(waitSelector, { timeout: 15000 }).catch(() => {});
    await untilRequestsSettle();
    await sleep(settle);
    await page.screenshot({ path: out, fullPage: true });
    // Horizontal overflow means something does not fit the viewport.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    return { out, overflow };
  },

  // fetch() from the page (its cookies): status and parsed JSON if any.
  async fetch({ path, method = 'GET', body = null, csrf = false }) {
    if (!page.url().startsWith(base)) await goto('/favicon.svg');  // same origin, so the page's cookies go along
    return page.evaluate(async ({ path: p, method: m, body: b, csrf: c }) => {
      const headers = { 'Content-Type': 'application/json' };
      if (c) {
        const s = await fetch('/api/v1/session').then((r) => (r.ok ? r.json() : null));
        if (s?.csrf_token) headers['X-CSRF-Token'] = s.csrf_token;
      }
      const response = await fetch(p, { method: m, headers, body: b === null ? undefined : JSON.stringify(b) });
      let json = null;
      try {
        json = await response.json();
      } catch {
        json = null;
      }
      return { status: response.status, json };
    }, { path, method, body, csrf });
  },

  // A user typing into a field / clicking something; `wait_url` waits for a navigation there.
  async fill({ selector, value }) {
    await page.fill(selector, value);
    return {};
  },

  async click({ selector, wait_url: waitUrl }) {
    await page.click(selector);
    if (waitUrl) await page.waitForURL((url) => url.pathname === waitUrl, { timeout: 10000 });
    return { url: page.url() };
  },

  // Whether an element is there and visible.
  async visible({ selector }) {
    const node = page.locator(selector).first();
    return { visible: (await node.count()) > 0 && (await node.isVisible()) };
  },

  // Picks a file in a file input (bytes as base64), as a user choosing it would.
  async choose_file({ selector, name, mime, base64 }) {
    await page.setInputFiles(selector, { name, mimeType: mime, buffer: Buffer.from(base64, 'base64') });
    return {};
  },

  // Debugging aid: evaluates an expression in the page.
  async eval({ expr }) {
    return { value: await page.evaluate(expr) };
  },

  // On the watch page of a live channel, without reloading it: waits until
  // window.tidecastPlayer.state is `state` and, with `advance`, the video has
  // played that many seconds since (jumps not counted).
  async wait_live_state({ state, advance = 0, timeout = 30 }) {
    const deadline = Date.now() + timeout * 1000;
    const navigationsBefore = navigations.length;
    let last = null;
    let advanced = 0;
    let previous = null;
    while (Date.now() < deadline) {
      last = await page.evaluate(() => {
        const player = window.tidecastPlayer;
        const video = document.querySelector('#video');
        const shown = (id) => Boolean(document.getElementById(id) && !document.getElementById(id).hidden);
        return {
          state: player?.state ?? null,
          live_starts: player?.liveStarts ?? 0,
          errors: player?.errors ?? [],
          offline_reason: player?.offlineReason ?? null,
          time: video.currentTime,
          playing: !video.paused && video.readyState >= 2,
          title: document.querySelector('#title').textContent,
          status: document.querySelector('#status').textContent,
          offline: shown('offline'),
          offline_text: shown('offline') ? document.querySelector('#offline').innerText : '',
          ended: shown('ended'),
        };
      });
      const wall = Date.now();
      if (last.state === state) {
        if (advance <= 0) break;
        if (previous && last.playing) {
          advanced += Math.min(Math.max(last.time - previous.time, 0), ((wall - previous.wall) / 1000) * 1.5);
        }
        previous = { time: last.time, wall };
        if (advanced >= advance) break;
      } else {
        previous = null;
      }
      await sleep(250);
    }
    const result = { ...last, advanced: round(advanced), reloaded: navigations.length !== navigationsBefore };
    if (last?.state !== state || advanced < advance) {
      throw new Error(`the watch page never reached "${state}"${advance ? ` and played ${advance} s` : ''} ` +
        `(last: ${JSON.stringify(result)})`);
    }
    return result;
  },

  // The watch page of a video once it plays: the tap-to-unmute overlay
  // (shown while muted, one click unmutes and hides it), the quality menu,
  // the info under the player, and the Share / Embed panel.
  async watch_page({ path, timeout = 20 }) {
    await goto(path);
    const started = await page.waitForFunction(() => {
      const video = document.querySelector('#video');
      return video && !video.paused && video.currentTime > 0.3 && window.tidecastPlayer?.levels().length > 0;
    }, null, { polling: 100, timeout: timeout * 1000 }).then(() => true).catch(() => false);
    const overlay = () => page.evaluate(() => {
      const button = document.querySelector('#unmute');
      const video = document.querySelector('#video');
      const box = button.getBoundingClientRect();
      const player = document.querySelector('#player').getBoundingClientRect();
      return { shown: !button.hidden && box.width > 0, muted: video.muted, text: button.innerText,
        width_share: Math.round((box.width / player.width) * 100) / 100 };
    });
    const before = await overlay();
    if (before.shown) await page.click('#unmute');
    await sleep(300);
    const after = await overlay();
    await page.waitForFunction(() => window.tidecastPlayer.viewCounted !== null, null, { timeout: 10000 }).catch(() => {});
    const info = await page.evaluate(() => ({
      quality_options: [...document.querySelectorAll('#quality option')].map((o) => o.textContent),
      levels: window.tidecastPlayer.levels().map((l) => l.height),
      meta: document.querySelector('#video-meta').innerText,
      views_text: document.querySelector('#views')?.textContent ?? null,
      view_counted: window.tidecastPlayer.viewCounted,
      description: document.querySelector('#description').innerText,
      engines_visible: document.querySelector('#engine-dash').checkVisibility(),
    }));
    await page.click('#share');
    const embedCode = await page.inputValue('#share-embed').catch(() => null);
    const link = await page.inputValue('#share-link').catch(() => null);
    await page.click('#settings summary');
    const enginesAfterOpen = await page.locator('#engine-dash').isVisible();
    return { started, before, after, ...info, embed_code: embedCode, link, engines_visible_in_settings: enginesAfterOpen };
  },

  // A page on another origin (`url`) with the embed page in an <iframe>: does
  // it play there, with the unmute overlay, and does one click unmute it?
  async embed_foreign({ url, timeout = 20 }) {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 20000 });
    const deadline = Date.now() + timeout * 1000;
    let state = null;
    let frame = null;
    while (Date.now() < deadline) {
      frame = page.frames().find((f) => f.url().includes('/embed.html'));
      state = frame ? await frame.evaluate(() => {
        const video = document.querySelector('#video');
        return video ? { time: video.currentTime, paused: video.paused, muted: video.muted,
          overlay: !document.querySelector('#unmute').hidden, errors: window.tidecastPlayer?.errors ?? [] } : null;
      }).catch(() => null) : null;
      if (state && state.time > 1 && !state.paused) break;
      await sleep(250);
    }
    const result = { frame_url: frame?.url() ?? null, before: state, played: Boolean(state && state.time > 1) };
    if (result.played && state.overlay) {
      await frame.click('#unmute');
      await sleep(300);
      result.after = await frame.evaluate(() => ({ muted: document.querySelector('#video').muted,
        overlay: !document.querySelector('#unmute').hidden }));
    }
    // The other frames on the page (pages that must not be framed) and what they show.
    result.frames = await Promise.all(page.frames().filter((f) => f !== page.mainFrame()).map(async (f) => ({
      url: f.url(),
      has_video: await f.evaluate(() => Boolean(document.querySelector('#video'))).catch(() => false),
    })));
    return result;
  },

  async console_errors() {
    return { errors: [...consoleErrors], navigations: navigations.slice(-8).map(([t, url]) => [Date.now() - t, url]) };
  },
};

await newContext();
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let command;
  try {
    command = JSON.parse(line);
  } catch {
    process.stdout.write(`${JSON.stringify({ ok: false, error: 'bad JSON command' })}\n`);
    continue;
  }
  if (command.cmd === 'quit') break;
  const handler = handlers[command.cmd];
  let reply;
  if (!handler) {
    reply = { ok: false, error: `unknown command ${command.cmd}` };
  } else {
    try {
      reply = { ok: true, ...(await handler(command)) };
    } catch (error) {
      reply = { ok: false, error: String(error?.message ?? error).split('\n')[0], url: page?.url() };
    }
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
await browser.close().catch(() => {});
process.exit(0);
