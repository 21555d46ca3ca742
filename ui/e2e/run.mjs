// End-to-end tests: a real `trawl serve` on a temporary database (the real fixtures, generated
// rows and an XSS fixture), driven by Debian's Chromium through playwright-core.
//
//   npm run e2e                     (builds ui/dist first)
//   TRAWL_BIN=/path/to/trawl npm run e2e
//   E2E_ONLY=search,xss npm run e2e (a subset)
//
// Screenshots go to e2e/artifacts/. Exits non-zero when any test fails.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { writeBadFixture, writeXssFixture } from './xss-fixture.mjs';

// The spec files, in the order their tests run (later tests see what earlier ones wrote: labels,
// subsets, annotators). Every e2e/*.spec.mjs must be listed here.
const SPECS = ['explorer', 'trajectory', 'library', 'labels', 'subsets', 'review', 'security'];

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = resolve(here, '..');
const repo = resolve(uiDir, '..');
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const unlisted = readdirSync(here).filter((f) => f.endsWith('.spec.mjs') && !SPECS.includes(f.slice(0, -'.spec.mjs'.length)));
if (unlisted.length) throw new Error(`e2e spec files not listed in run.mjs SPECS: ${unlisted.join(', ')}`);
const tests = (await Promise.all(SPECS.map((s) => import(`./${s}.spec.mjs`)))).flatMap((m) => m.tests);

function findTrawl() {
  const cands = [
    process.env.TRAWL_BIN,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'debug', 'trawl'),
    join(repo, 'target', 'debug', 'trawl'),
    join(repo, 'target', 'release', 'trawl'),
  ].filter(Boolean);
  const found = cands.find((p) => existsSync(p));
  if (!found) throw new Error(`no trawl binary (tried ${cands.join(', ')}); build it with cargo build -p trawl-cli or set TRAWL_BIN`);
  return found;
}

function findFixtures() {
  const cands = [process.env.TRAWL_FIXTURES, join(repo, '..', 'shared', 'fixtures', 'real'), '/work/shared/fixtures/real'].filter(Boolean);
  return cands.find((p) => existsSync(p)) ?? null;
}

function run(bin, args, opts = {}) {
  const r = spawnSync(bin, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function startServer(bin, db, token, port = 0) {
  const args = ['serve', '--db', db, '--port', String(port), '--ui', join(uiDir, 'dist')];
  const proc = spawn(bin, args, {
    // labels are written as e2e-alice; set_annotator writes its config file into the work dir, not ~/.config
    env: { ...process.env, TRAWL_TOKEN: token, TRAWL_ANNOTATOR: 'e2e-alice', TRAWL_CONFIG_DIR: dirname(db) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`trawl serve printed no URL in 30 s:\n${out}`)), 30000);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+/);
      if (m) {
        clearTimeout(timer);
        res(`http://127.0.0.1:${m[1]}`);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`trawl serve exited with ${code}:\n${out}`));
    });
  });
  return { proc, url };
}

async function main() {
  const bin = findTrawl();
  if (!existsSync(join(uiDir, 'dist', 'index.html'))) throw new Error('ui/dist is missing: run npm run build');
  const work = mkdtempSync(join(tmpdir(), 'trawl-e2e-'));
  const db = join(work, 'e2e.trawl.db');
  const gen = join(work, 'gen.jsonl');
  const xss = join(work, 'xss.jsonl');
  const extra = join(work, 'extra.jsonl');
  console.log(`trawl: ${bin}\nwork: ${work}`);
  writeXssFixture(xss);
  const bad = join(work, 'bad.jsonl');
  writeBadFixture(bad);
  run(bin, ['gen', '--seed', '11', '--count', String(process.env.E2E_COUNT ?? 400), '--out', gen]);
  run(bin, ['gen', '--seed', '12', '--count', '20', '--out', extra]);
  const fixtures = findFixtures();
  const inputs = [gen, xss, bad, ...(fixtures ? [fixtures] : [])];
  const t0 = Date.now();
  run(bin, ['--db', db, 'ingest', ...inputs]);
  console.log(`ingested ${inputs.length} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 32 random bytes as hex: trawl serve refuses tokens shorter than 43 characters.
  const token = randomBytes(32).toString('hex');
  const { proc, url } = await startServer(bin, db, token);
  console.log(`server: ${url}`);
  const profile = mkdtempSync(join(tmpdir(), 'trawl-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const only = process.env.E2E_ONLY ? new Set(process.env.E2E_ONLY.split(',')) : null;
  let passed = 0;
  let failed = 0;
  // A second server on the same database, for a test that stops it (the shared one keeps serving);
  // with a port, on that port (a server started again where a stopped one was).
  const extraServers = [];
  const spawnServer = async (port = 0) => {
    const s = await startServer(bin, db, token, port);
    extraServers.push(s.proc);
    return s;
  };
  const env = { url, token, extra, artifacts, work, fixtures, spawnServer };
  try {
    for (const t of tests) {
      if (only && !only.has(t.name)) continue;
      const page = await context.newPage();
      const problems = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      const started = Date.now();
      try {
        await t.run(page, env);
        const bad = problems.filter((p) => !(t.allowConsole ?? []).some((re) => re.test(p)));
        if (bad.length) throw new Error(`browser problems:\n  ${bad.join('\n  ')}`);
        passed++;
        console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name}: ${e instanceof Error ? e.stack : e}`);
        await page.screenshot({ path: join(artifacts, `FAIL-${t.name}.png`), fullPage: false }).catch(() => {});
      } finally {
        await page.close();
      }
    }
  } finally {
    await context.close();
    proc.kill('SIGTERM');
    for (const p of extraServers) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    rmSync(profile, { recursive: true, force: true });
    if (!process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(artifacts, 'summary.txt'), `${passed} passed, ${failed} failed\n`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
