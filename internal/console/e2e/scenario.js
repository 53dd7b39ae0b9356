// End-to-end scenario of the web console in headless Chromium:
// log in, browse DB 0, open a hash, edit a TTL, run a command in the
// workbench, see the monitor stream, and check that a read-only ACL user
// cannot delete. A screenshot of each page is saved.
//
//   node scenario.js http://127.0.0.1:8001
//
// Environment: E2E_PASSWORD (requirepass), E2E_BACKEND (name printed),
// E2E_RO_USER/E2E_RO_PASS (read-only ACL user; or E2E_RO_SKIP=reason),
// E2E_SCREENSHOTS (directory for the PNGs), E2E_CHROMIUM (browser).
// Exits non-zero when a step fails.

'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const url = process.argv[2];
if (!url) {
  console.error('usage: node scenario.js <console url>');
  process.exit(2);
}
const env = process.env;
const backend = env.E2E_BACKEND || 'unknown backend';
const password = env.E2E_PASSWORD || '';
const shots = env.E2E_SCREENSHOTS || '';
const T = 15000; // per-wait timeout

const results = [];
function log(s) { console.log(`[${backend}] ${s}`); }

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, status: 'PASS' });
    log(`PASS ${name} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    results.push({ name, status: 'FAIL', why: e.message.split('\n')[0] });
    log(`FAIL ${name}: ${e.message.split('\n').slice(0, 3).join(' | ')}`);
    return false;
  }
}

function skip(name, why) {
  results.push({ name, status: 'SKIP', why });
  log(`SKIP ${name}: ${why}`);
}

function expect(cond, msg) { if (!cond) throw new Error(msg); }

async function shot(page, name, keepToasts) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  if (!keepToasts) await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  await page.screenshot({ path: path.join(shots, name + '.png') });
}

async function login(page, user, pass) {
  await page.goto(url);
  await page.waitForSelector('#login-pass', { timeout: T });
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass);
  await page.click('#login-submit');
  await page.waitForSelector('[data-testid=whoami]', { timeout: T });
}

async function logout(page) {
  await page.click('#logout');
  await page.waitForSelector('#login-pass', { timeout: T });
}

async function openKey(page, db, key, pattern) {
  await page.goto(`${url}/#/browser?db=${db}&match=${encodeURIComponent(pattern || key)}`);
  const row = page.locator(`#key-list [data-key="${key}"]`);
  await row.first().waitFor({ timeout: T });
  await row.first().click();
  await page.waitForFunction((k) => {
    const el = document.querySelector('[data-testid=key-name]');
    return el && el.textContent === k;
  }, key, { timeout: T });
}

async function workbench(page, command) {
  await page.click('[data-testid=nav-workbench]');
  await page.waitForSelector('#wb-input', { timeout: T });
  const before = await page.locator('.wb-entry').count();
  await page.fill('#wb-input', command);
  await page.click('#wb-run');
  await page.waitForFunction((n) => document.querySelectorAll('.wb-entry').length > n, before, { timeout: T });
  return page.locator('.wb-entry .wb-res').last().textContent();
}

(async () => {
  log(`console at ${url}`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    // CSP violations and script errors show up as console errors.
    if (m.type() === 'error' && !/status of (401|403|404|422)/.test(m.text())) problems.push('console: ' + m.text());
  });

  if (env.E2E_TRACE) {
    const t0 = Date.now();
    page.on('request', (r) => { if (r.url().includes('/api/')) log(`+${Date.now() - t0}ms ${r.method()} ${r.url().replace(/^.*\/api/, '/api').slice(0, 80)}`); });
  }

  let loggedIn = false;
  try {
    await step('security headers and login page', async () => {
      const res = await page.goto(url);
      const h = res.headers();
      expect(h['x-frame-options'] === 'DENY', 'X-Frame-Options is ' + h['x-frame-options']);
      expect((h['content-security-policy'] || '').includes("frame-ancestors 'none'"), 'CSP without frame-ancestors');
      expect(!(h['content-security-policy'] || '').includes('unsafe-inline'), 'CSP allows inline code');
      await page.waitForSelector('#login-pass', { timeout: T });
      // A data API without a session is refused.
      const st = await page.evaluate(async () => (await fetch('/api/keys?db=0')).status);
      expect(st === 401, 'unauthenticated /api/keys answered ' + st);
      await shot(page, 'login');
    });

    await step('wrong password is refused', async () => {
      await page.fill('#login-pass', 'not-the-password');
      await page.click('#login-submit');
      await page.waitForFunction(() => document.querySelector('[data-testid=login-error]').textContent.length > 0, null, { timeout: T });
      const msg = await page.textContent('[data-testid=login-error]');
      expect(/WRONGPASS|invalid/i.test(msg), 'unexpected message: ' + msg);
      expect(!msg.includes('not-the-password'), 'the password is echoed back');
    });

    loggedIn = await step('log in', async () => {
      await login(page, '', password);
      const cookies = await context.cookies();
      const c = cookies.find((x) => x.name === 'abr_console');
      expect(c && c.httpOnly && c.sameSite === 'Strict', 'session cookie flags: ' + JSON.stringify(c));
    });
    if (!loggedIn) throw new Error('cannot continue without a login');

    await step('overview with live charts', async () => {
      await page.click('[data-testid=nav-overview]');
      await page.waitForSelector('[data-testid=card-memory]', { timeout: T });
      // Wait for a few samples so the charts have lines.
      await page.waitForFunction(() => {
        const legend = document.querySelector('[data-chart=ops] .legend b');
        return legend && legend.textContent !== '–';
      }, null, { timeout: T });
      await page.waitForTimeout(2500);
      const server = await page.textContent('[data-testid=card-server]');
      expect(/Redis \d/.test(server), 'server card: ' + server);
    });

    await step('databases page', async () => {
      await page.click('[data-testid=nav-databases]');
      await page.waitForSelector('[data-testid=db-card-0] [data-stat=keys]', { timeout: T });
      await page.waitForSelector('[data-testid=db-card-5]', { timeout: T });
      const keys = await page.textContent('[data-testid=db-card-0] [data-stat=keys]');
      expect(Number(keys.replace(/,/g, '')) >= 80, 'db0 keys: ' + keys);
      await shot(page, 'databases');
    });

    await step('browse DB 0 (list and tree)', async () => {
      await page.click('[data-testid=nav-browser]');
      await page.waitForSelector('#key-list .key-row', { timeout: T });
      const status = await page.textContent('[data-testid=scan-status]');
      expect(/db0/.test(status), 'status: ' + status);
      await page.click('[data-testid=view-tree]');
      await page.waitForSelector('#key-list .folder-row[data-folder="user"]', { timeout: T });
      await page.click('#key-list .folder-row[data-folder="session"]');
      await page.waitForSelector('#key-list .key-row[data-key^="session:"]', { timeout: T });
      await page.click('#key-list .key-row[data-key="session:user_1000"]');
      await page.waitForSelector('.value-area pre.json', { timeout: T }); // JSON pretty-printed
      await shot(page, 'browser-tree-json');
      await page.click('[data-testid=view-list]');
    });

    await step('open a hash', async () => {
      await openKey(page, 0, 'user:1000', 'user:*');
      await page.waitForSelector('[data-testid=hash-table] tbody tr', { timeout: T });
      const text = await page.textContent('[data-testid=hash-table]');
      expect(text.includes('email') && text.includes('user1000@example.com'), 'hash fields: ' + text);
    });

    await step('edit a TTL', async () => {
      await page.click('[data-testid=edit-ttl]');
      await page.fill('.modal input[name=ttl]', '3600');
      await page.click('[data-testid=modal-submit]');
      await page.waitForFunction(() => /^(1h 0m|59m \d+s)$/.test(document.querySelector('[data-testid=key-ttl]').textContent), null, { timeout: T });
      await shot(page, 'browser-hash');
    });

    await step('run a command in the workbench', async () => {
      const out = await workbench(page, 'TTL user:1000');
      expect(/^\(integer\) (3600|359\d)\n?$/.test(out), 'TTL output: ' + JSON.stringify(out));
      const out2 = await workbench(page, 'HGETALL user:1000');
      expect(out2.includes('1) "name"'), 'HGETALL output: ' + JSON.stringify(out2));
      await workbench(page, 'SET greeting "hello from the workbench"');
      const out3 = await workbench(page, 'GET greeting');
      expect(out3.trim() === '"hello from the workbench"', 'GET output: ' + JSON.stringify(out3));
      await shot(page, 'workbench');
    });

    await step('see the monitor stream', async () => {
      await page.click('[data-testid=nav-monitor]');
      await page.click('[data-testid=monitor-toggle]');
      await page.waitForFunction(() => document.querySelector('[data-testid=monitor-state]').textContent === 'running', null, { timeout: T });
      // Another tab of the same session runs a command: it must appear.
      const other = await context.newPage();
      await other.goto(url + '/#/workbench');
      await other.waitForSelector('#wb-input', { timeout: T });
      await other.fill('#wb-input', 'SET e2e:monitor:probe seen');
      await other.click('#wb-run');
      await other.waitForSelector('.wb-entry', { timeout: T });
      await other.close();
      await page.waitForFunction(() => document.querySelector('[data-testid=monitor-log]').textContent.includes('e2e:monitor:probe'), null, { timeout: T });
      await page.waitForSelector('[data-testid=slowlog] table', { timeout: T });
      await shot(page, 'monitor');
      await page.click('[data-testid=monitor-toggle]');
      await page.waitForFunction(() => document.querySelector('[data-testid=monitor-state]').textContent === 'stopped', null, { timeout: T });
    });

    await step('pub/sub: subscribe and publish', async () => {
      await page.click('[data-testid=nav-pubsub]');
      await page.fill('#sub-channels', 'autobot:events');
      await page.fill('#sub-patterns', 'notifications:*');
      await page.click('#subscribe');
      await page.waitForFunction(() => document.querySelector('[data-testid=sub-state]').textContent === 'subscribed', null, { timeout: T });
      for (const [ch, msg] of [['autobot:events', '{"event":"job.done","job":"job:5001"}'], ['notifications:user_1000', 'Your export is ready']]) {
        await page.fill('#pub-channel', ch);
        await page.fill('#pub-message', msg);
        await page.click('#publish');
        await page.waitForFunction((c) => document.querySelector('[data-testid=messages]').textContent.includes(c), ch, { timeout: T });
      }
      const r = await page.textContent('[data-testid=pub-result]');
      expect(/Delivered to 1 subscriber/.test(r), 'publish result: ' + r);
      await shot(page, 'pubsub');
      await page.click('#subscribe'); // unsubscribe
    });

    await step('analysis', async () => {
      await page.click('[data-testid=nav-analysis]');
      await page.waitForSelector('[data-testid=top-keys] tbody tr', { timeout: T });
      const ns = await page.textContent('[data-testid=namespaces]');
      expect(ns.includes('session:') && ns.includes('user:'), 'namespaces: ' + ns);
      await shot(page, 'analysis');
    });

    await step('bulk delete by pattern, after a confirmation with the count', async () => {
      await workbench(page, 'MSET tmp:bulk:1 a tmp:bulk:2 b tmp:bulk:3 c');
      await page.goto(url + '/#/browser?db=0&match=tmp%3Abulk%3A*');
      await page.waitForSelector('#key-list .key-row', { timeout: T });
      await page.click('[data-testid=bulk-delete]');
      await page.click('.modal button[type=submit]');
      await page.waitForSelector('[data-testid=bulk-count]', { timeout: T });
      const n = await page.textContent('[data-testid=bulk-count]');
      expect(n === '3', 'previewed count: ' + n);
      await shot(page, 'bulk-delete');
      await page.click('[data-testid=bulk-confirm]');
      await page.waitForFunction(() => !document.querySelector('.modal'), null, { timeout: T });
      const out = await workbench(page, 'EXISTS tmp:bulk:1 tmp:bulk:2 tmp:bulk:3');
      expect(out.trim() === '(integer) 0', 'keys left: ' + out);
    });

    await step('overview again, with more history', async () => {
      await page.click('[data-testid=nav-overview]');
      await page.waitForSelector('[data-testid=card-memory]', { timeout: T });
      await page.waitForTimeout(1500);
      await shot(page, 'overview');
    });

    await step('log out', async () => {
      await logout(page);
      const st = await page.evaluate(async () => (await fetch('/api/keys?db=0')).status);
      expect(st === 401, 'after logout /api/keys answered ' + st);
    });

    if (env.E2E_RO_USER) {
      await step('read-only ACL user cannot delete', async () => {
        await login(page, env.E2E_RO_USER, env.E2E_RO_PASS || '');
        await openKey(page, 0, 'session:ro-test');
        await page.click('[data-testid=delete-key]');
        await page.click('[data-testid=confirm]');
        await page.waitForFunction(() => {
          const e = document.querySelector('[data-testid=key-error]');
          return e && !e.hidden && e.textContent.includes('NOPERM');
        }, null, { timeout: T });
        await shot(page, 'readonly-noperm', true);
        // The key survives: reopening it still shows it.
        await openKey(page, 0, 'session:ro-test');
        const v = await page.textContent('[data-testid=string-value], .value-area');
        expect(v.includes('must not delete'), 'value after the refused delete: ' + v);
        await logout(page);
      });
    } else {
      skip('read-only ACL user cannot delete', env.E2E_RO_SKIP || 'no read-only user given');
    }

    await step('no script errors or CSP violations', async () => {
      expect(problems.length === 0, problems.join(' | '));
    });
  } catch (e) {
    log('aborted: ' + e.message);
    results.push({ name: 'scenario', status: 'FAIL', why: e.message });
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }

  const count = (s) => results.filter((r) => r.status === s).length;
  log(`summary: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
  for (const r of results.filter((x) => x.status !== 'PASS')) log(`  ${r.status} ${r.name}: ${r.why}`);
  process.exit(count('FAIL') > 0 ? 1 : 0);
})();
