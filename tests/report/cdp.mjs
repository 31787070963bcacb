// A small client of the Chrome DevTools protocol over --remote-debugging-pipe (no
// websocket, no npm package): Chromium reads NUL-terminated JSON commands on fd 3 and
// writes responses and events on fd 4. Enough to load a page, evaluate in it, watch its
// console, log and dialogs, and take screenshots.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launch(binary = process.env.CHROMIUM || '/usr/bin/chromium') {
  const profile = mkdtempSync(join(tmpdir(), 'hw-cdp-'));
  const proc = spawn(binary, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
    '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
    // Its own process group, so that closing ends its renderers and helpers with it.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const browser = new Browser(proc, profile, () => stderr);
  await browser.send('Target.getTargets');
  return browser;
}

class Browser {
  constructor(proc, profile, stderr) {
    this.proc = proc; this.profile = profile; this.stderr = stderr;
    this.next = 1; this.pending = new Map(); this.listeners = []; this.buffer = '';
    proc.stdio[4].on('data', (chunk) => this.receive(chunk));
    proc.on('exit', (code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`chromium exited (${code}): ${this.stderr()}`));
      this.pending.clear();
    });
  }
  receive(chunk) {
    this.buffer += chunk.toString('utf8');
    let end;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 1);
      if (message.id && this.pending.has(message.id)) {
        const { resolve, reject, method } = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else if (message.method) {
        for (const listener of this.listeners) listener(message);
      }
    }
  }
  send(method, params = {}, sessionId = undefined) {
    const id = this.next++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.proc.stdio[3].write(JSON.stringify(message) + '\0');
    });
  }
  on(listener) { this.listeners.push(listener); }
  async newPage(width = 1280, height = 900) {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    for (const domain of ['Page', 'Runtime', 'Log']) await page.send(`${domain}.enable`);
    await page.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return page;
  }
  async close() {
    try { await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]); } catch { /* gone */ }
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGKILL');
      await exited;
    }
    try { process.kill(-this.proc.pid, 'SIGKILL'); } catch { /* the group is gone already */ }
    // A helper may still be flushing into the profile as it dies: retry, and leave a
    // temporary directory behind rather than fail a test over it.
    for (let attempt = 0; attempt < 10; attempt++) {
      try { rmSync(this.profile, { recursive: true, force: true }); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
  }
}

class Page {
  constructor(browser, sessionId) {
    this.browser = browser; this.sessionId = sessionId; this.problems = []; this.waiters = [];
    browser.on((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === 'Runtime.consoleAPICalled')
        this.problems.push(`console.${m.params.type}: ${m.params.args.map((a) => a.value ?? a.description).join(' ')}`);
      if (m.method === 'Runtime.exceptionThrown')
        this.problems.push(`exception: ${m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text}`);
      if (m.method === 'Log.entryAdded') this.problems.push(`log ${m.params.entry.level}: ${m.params.entry.text}`);
      if (m.method === 'Page.javascriptDialogOpening') {
        this.problems.push(`dialog: ${m.params.message}`);
        this.send('Page.handleJavaScriptDialog', { accept: true }).catch(() => {});
      }
      this.waiters = this.waiters.filter((w) => !(w.method === m.method && (w.resolve(m.params), true)));
    });
  }
  send(method, params = {}) { return this.browser.send(method, params, this.sessionId); }
  event(method, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ method, resolve: (p) => { clearTimeout(timer); resolve(p); } });
    });
  }
  async goto(url) {
    const loaded = this.event('Page.loadEventFired');
    await this.send('Page.navigate', { url });
    await loaded;
  }
  // Evaluates `expression` (an async function's body may be awaited) and returns its value.
  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`in page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  }
  async waitFor(expression, timeoutMs = 10000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await this.eval(expression)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${expression}`);
  }
  // A PNG of the element `selector` (its whole box, scrolled into view), written to `file`.
  async screenshot(selector, file, maxHeight = 1400) {
    const box = await this.eval(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      e.scrollIntoView(); const r = e.getBoundingClientRect();
      return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; })()`);
    const clip = { ...box, height: Math.min(box.height, maxHeight), scale: 1 };
    const { data } = await this.send('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true });
    writeFileSync(file, Buffer.from(data, 'base64'));
  }
}
