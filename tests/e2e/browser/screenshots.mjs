#!/usr/bin/env node
// Screenshots of web pages at phone and desktop sizes, for people to look at
// (CI keeps them as artifacts). One browser; each page is opened fresh in
// each size, waited on until the network is quiet, and saved full-page as
// <out>/<name>-<width>x<height>.png. Prints ONE JSON line on stdout:
// {"shots":[{name,size,file,status,overflow}], "errors":[...]}; overflow > 0
// means the page is wider than the viewport (something does not fit).
//
//   node screenshots.mjs --url http://127.0.0.1:PORT --out DIR \
//     --page home=/ --page channel=/c/studio [--cookie NAME=VALUE] \
//     [--sizes 390x844,1920x1080] [--settle-ms 500] [--chromium PATH]
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, parseOptions, sleep } from './common.mjs';

const { values, usage, number } = parseOptions('screenshots.mjs',
  'node screenshots.mjs --url BASE --out DIR --page NAME=PATH... [--cookie NAME=VALUE] [--sizes WxH,...]', {
    out: { type: 'string' },
    page: { type: 'string', multiple: true },
    cookie: { type: 'string' },
    sizes: { type: 'string', default: '390x844,1920x1080' },
    'settle-ms': { type: 'string', default: '500' },
  });
if (!values.out) usage('--out is required');
const pages = (values.page ?? []).map((spec) => {
  const at = spec.indexOf('=');
  if (at <= 0) usage(`--page wants NAME=PATH, got "${spec}"`);
  return { name: spec.slice(0, at), path: spec.slice(at + 1) };
});
if (!pages.length) usage('at least one --page is required');
const sizes = values.sizes.split(',').map((text) => {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!m) usage(`--sizes wants WxH,..., got "${text}"`);
  return { width: Number(m[1]), height: Number(m[2]) };
});
const settle = number('settle-ms', values['settle-ms']);
const base = values.url.replace(/\/$/, '');

const shots = [];
const errors = [];
await mkdir(values.out, { recursive: true });
const browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: CHROMIUM_ARGS });
try {
  // The sizes side by side (most of the time goes to waiting for pages to settle).
  await Promise.all(sizes.map(async (size) => {
    const context = await browser.newContext({ viewport: size, isMobile: size.width < 600, hasTouch: size.width < 600 });
    if (values.cookie) {
      const at = values.cookie.indexOf('=');
      await context.addCookies([{ name: values.cookie.slice(0, at), value: values.cookie.slice(at + 1), url: base }]);
    }
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    for (const { name, path } of pages) {
      const file = join(values.out, `${name}-${size.width}x${size.height}.png`);
      let status = 0;
      try {
        const response = await page.goto(base + path, { waitUntil: 'load', timeout: 20000 });
        status = response?.status() ?? 0;
        await page.waitForLoadState('networkidle', { timeout: 1500 }).catch(() => {});
        await sleep(settle);
        await page.screenshot({ path: file, fullPage: true });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        shots.push({ name, size: `${size.width}x${size.height}`, file, status, overflow });
      } catch (error) {
        errors.push(`${name} at ${size.width}x${size.height}: ${error.message}`);
      }
    }
    await context.close();
  }));
} finally {
  await browser.close().catch(() => {});
}
process.stderr.write(`screenshots: ${values.out}\n`);
process.stdout.write(`${JSON.stringify({ shots, errors })}\n`);
