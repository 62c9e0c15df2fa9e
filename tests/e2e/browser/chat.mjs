#!/usr/bin/env node
// Two signed-in Chromium pages in one channel's chat (tests/e2e/test_chat.py):
// the channel's owner (a moderator) and a viewer. Prints one JSON report.
//
//   node chat.mjs --base URL --channel NAME --owner NAME:PASSWORD --viewer NAME:PASSWORD [--shots DIR]
//   node chat.mjs --base URL --replay VIDEO_ID --expect N [--shots DIR]
//     (a recording's page: samples of playback time and the messages shown)
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    channel: { type: 'string' },
    owner: { type: 'string' },
    viewer: { type: 'string' },
    shots: { type: 'string', default: '' },
    replay: { type: 'string', default: '' },  // a recording's id: watch its chat replay instead
    expect: { type: 'string', default: '0' },
    chromium: { type: 'string', default: process.env.TIDECAST_CHROMIUM || '/usr/bin/chromium' },
  },
});
const base = args.base.replace(/\/$/, '');
const report = { ok: false, latencies_ms: [], steps: [] };
const step = (name, detail = {}) => report.steps.push({ name, ...detail });
const browser = await chromium.launch({
  executablePath: args.chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

async function signedInPage(credentials) {
  const [username, password] = credentials.split(':');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const response = await context.request.post(`${base}/api/v1/session`, { data: { username, password } });
  if (!response.ok()) throw new Error(`sign-in of ${username}: ${response.status()}`);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  await page.goto(`${base}/watch.html?channel=${encodeURIComponent(args.channel)}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.tidecastChat?.state === 'open' && window.tidecastChat.you, null,
    { timeout: 20000 });
  return page;
}

const shows = (page, text) => page.evaluate((t) => window.tidecastChat.shown().some((m) => m.text === t), text);
const waitShown = (page, text, timeout = 5000) => page.waitForFunction(
  (t) => window.tidecastChat.shown().some((m) => m.text === t), text, { timeout });
const idOf = (page, text) => page.evaluate((t) => window.tidecastChat.shown().find((m) => m.text === t)?.id, text);
const waitError = (page, code, timeout = 5000) => page.waitForFunction(
  (c) => window.tidecastChat.errors.some((e) => e.code === c), code, { timeout });

async function post(page, text) {
  await page.fill('#chat-input', text);
  const sentAt = await page.evaluate(() => Date.now());
  await page.press('#chat-input', 'Enter');
  return sentAt;
}

async function replay() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/watch.html?video=${encodeURIComponent(args.replay)}`, { waitUntil: 'domcontentloaded' });
  const expect = Number(args.expect);
  report.samples = [];
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const sample = await page.evaluate(() => ({
      t: document.querySelector('video').currentTime,
      shown: window.tidecastChat?.shown().map((m) => m.text) ?? [],
      times: [...document.querySelectorAll('#chat-list .chat-time')].map((n) => n.textContent),
    }));
    report.samples.push(sample);
    if (sample.shown.length >= expect) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  report.heading = await page.evaluate(() => document.querySelector('#chat h2')?.textContent ?? null);
  if (args.shots) await page.screenshot({ path: `${args.shots}/chat-replay-1280.png` });
  report.ok = true;
}

try {
  if (args.replay) {
    await replay();
    throw null;  // done: straight to the report
  }
  const owner = await signedInPage(args.owner);
  const viewer = await signedInPage(args.viewer);
  report.owner_you = await owner.evaluate(() => window.tidecastChat.you);
  report.viewer_you = await viewer.evaluate(() => window.tidecastChat.you);
  // The room's state (viewers) goes out at most once a second.
  await owner.waitForFunction(() => /2 watching/.test(document.querySelector('#chat-viewers').textContent), null,
    { timeout: 5000 }).catch(() => {});
  report.viewers_shown = await owner.evaluate(() => document.querySelector('#chat-viewers').textContent);

  // A message from one page appears in the other: measured from the key press
  // in one to its arrival in the other (both clocks are this machine's).
  const sent = [];
  for (let i = 0; i < 3; i += 1) {
    const text = `hello ${i} from the viewer`;
    const sentAt = await post(viewer, text);
    await waitShown(owner, text);
    const id = await idOf(owner, text);
    const arrivedAt = await owner.evaluate((n) => window.tidecastChat.received[n], id);
    report.latencies_ms.push(arrivedAt - sentAt);
    sent.push({ text, id });
  }
  step('fan-out', { latencies_ms: report.latencies_ms });

  // The owner deletes a message: it disappears on both pages.
  await owner.click(`#chat-list [data-id="${sent[0].id}"] .chat-act[title="Delete"]`);
  await owner.waitForFunction((n) => !document.querySelector(`#chat-list [data-id="${n}"]`), sent[0].id,
    { timeout: 5000 });
  await viewer.waitForFunction((n) => !document.querySelector(`#chat-list [data-id="${n}"]`), sent[0].id,
    { timeout: 5000 });
  report.deleted_gone = !(await shows(owner, sent[0].text)) && !(await shows(viewer, sent[0].text));
  step('delete', { gone: report.deleted_gone });

  // Markup is shown as text and never runs.
  const markup = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><b>bold</b>';
  await post(viewer, markup);
  await waitShown(owner, markup);
  report.markup = await owner.evaluate(() => ({
    pwned: window.__pwned ?? null,
    elements: document.querySelectorAll('#chat-list script, #chat-list img, #chat-list b').length,
  }));
  step('markup', report.markup);

  // 2,000 characters: refused with a reason; nobody sees it.
  const long = 'x'.repeat(2000);
  await post(viewer, long);
  await waitError(viewer, 'too_long');
  report.long_error = await viewer.evaluate(() => document.querySelector('#chat-notice').textContent);
  report.long_shown = (await shows(owner, long)) || (await shows(viewer, long));
  step('too long', { notice: report.long_error });

  // The owner bans the viewer: their next message is refused and never shown.
  await owner.click(`#chat-list [data-id="${sent[1].id}"] .chat-act[title="Ban"]`);
  await owner.waitForFunction(() => /banned/.test(document.querySelector('#chat-notice').textContent), null,
    { timeout: 5000 });
  await post(viewer, 'am I still here?');
  await waitError(viewer, 'banned');
  await new Promise((resolve) => setTimeout(resolve, 500));
  report.banned_shown = await shows(owner, 'am I still here?');
  report.banned_notice = await viewer.evaluate(() => document.querySelector('#chat-notice').textContent);
  // The owner still chats.
  await post(owner, 'the owner carries on');
  await waitShown(viewer, 'the owner carries on');
  step('ban', { notice: report.banned_notice });

  // The owner's moderation panel, on a phone-sized page: the ban list names
  // the viewer, Lift lets them post again; the settings form changes the room.
  const viewerName = args.viewer.split(':')[0];
  await owner.setViewportSize({ width: 390, height: 844 });
  await owner.click('#chat-mod summary');
  await owner.waitForFunction((name) => [...document.querySelectorAll('#chat-bans .chat-ban-who')]
    .some((n) => n.textContent === name), viewerName, { timeout: 5000 });
  report.ban_list = await owner.evaluate(() => [...document.querySelectorAll('#chat-bans .chat-ban')]
    .map((n) => n.textContent));
  report.mod_overflow = await owner.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (args.shots) await owner.screenshot({ path: `${args.shots}/chat-moderation-390.png`, fullPage: true });
  await owner.click(`#chat-bans .chat-ban:has(.chat-ban-who:text-is("${viewerName}")) .chat-ban-lift`);
  await owner.waitForFunction((name) => ![...document.querySelectorAll('#chat-bans .chat-ban-who')]
    .some((n) => n.textContent === name), viewerName, { timeout: 5000 });
  await post(viewer, 'back after the ban');
  await waitShown(owner, 'back after the ban');
  report.unbanned_shown = true;
  step('ban list', { list: report.ban_list });
  const setSlow = async (seconds) => {
    await owner.fill('#chat-slow', String(seconds));
    await owner.click('#chat-settings-save');
    await viewer.waitForFunction((n) => window.tidecastChat.room?.slow_seconds === n, seconds, { timeout: 5000 });
  };
  await setSlow(5);
  report.slow_applied = await viewer.evaluate(() => window.tidecastChat.room.slow_seconds);
  await setSlow(0);  // the other tests share this room
  await owner.setViewportSize({ width: 1280, height: 900 });
  step('settings', { slow: report.slow_applied });

  if (args.shots) {
    await owner.screenshot({ path: `${args.shots}/chat-owner-1280.png` });
    await viewer.setViewportSize({ width: 390, height: 844 });
    await viewer.screenshot({ path: `${args.shots}/chat-viewer-390.png`, fullPage: true });
  }
  report.page_errors = [...owner.errors, ...viewer.errors];
  report.ok = true;
} catch (error) {
  if (error !== null) report.error = String(error?.stack ?? error);
} finally {
  await browser.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
