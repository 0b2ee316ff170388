// End-to-end harness: a throw-away code-server (VS Code in the browser) with RL Studio installed
// from this checkout, driven by playwright-core through Debian's Chromium. Offline: nothing but
// 127.0.0.1 is contacted (asserted by the tests). Tools come from `bash test/e2e/install.sh`.
//
// Timing rules, so the suites pass on a loaded machine (scripts/test.mjs runs the files one at a
// time): every wait is for an event (DOM state, a file, output) with a generous timeout, never a
// fixed sleep; the only time window is `staysAbsent`, for asserting that something does not happen.
// A test's own timeout is a guard against hangs, sized for a 2-core machine at load average ~20,
// where a flow takes 2–3 times as long as on a quiet one.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IN_CI } from "../test-model.mjs";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");
export const TOOLS = process.env.E2E_TOOLS || path.join(HERE, ".tools");
export const CS_DIR = path.join(TOOLS, "cs");
export const CODE_SERVER = path.join(CS_DIR, "node_modules/.bin/code-server");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const OUT = path.join(HERE, "out");

/** Why code-server, playwright-core or Chromium is missing (how to install them), or null. */
export function missingTools() {
  if (!fs.existsSync(CODE_SERVER)) return `code-server is not installed in ${CS_DIR}: run \`bash test/e2e/install.sh\``;
  if (!fs.existsSync(path.join(CS_DIR, "node_modules/playwright-core/package.json"))) return `playwright-core is not installed in ${CS_DIR}: run \`bash test/e2e/install.sh\``;
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not found: run \`bash test/e2e/install.sh\` (apt chromium)`;
  return null;
}

/**
 * The `skip` option of an end-to-end test: false when every check passed (each is a reason or null),
 * else the first reason. A developer without the tools or the build gets a skip that says how to get
 * them; under CI (CI=true, where .ci/run installs and builds everything) the reason is thrown, so the
 * test file fails: a broken install or build step can never pass as a green run of skipped tests.
 */
export function skipUnlessReady(...reasons) {
  const why = reasons.find((r) => r);
  if (!why) return false;
  if (IN_CI) throw new Error(`end-to-end prerequisite missing under CI=true (a failure, not a skip): ${why}`);
  return why;
}

export function playwright() {
  return createRequire(path.join(CS_DIR, "package.json"))("playwright-core");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start code-server on a free port with a fresh profile and a workspace holding `files` (name → text),
 * after `prepare(workspace)` ran. RL Studio is linked from this checkout (the folder must be built:
 * dist/extension.js, dist/runtime.js, dist/media/dashboard.js) or, with `vsix`, installed from that package.
 * Returns { url, workspace, run, stop() }; stop() ends the whole process group it started.
 */
export async function startCodeServer({ settings = {}, vsix = null, files = {}, prepare = null } = {}) {
  const run = fs.mkdtempSync(path.join(process.env.TMPDIR || "/tmp", "rl-e2e-"));
  const port = await freePort();
  const workspace = path.join(run, "workspace");
  for (const d of ["user/User", "exts", "workspace", "xdg"]) fs.mkdirSync(path.join(run, d), { recursive: true });
  fs.writeFileSync(path.join(run, "config.yaml"), [
    `bind-addr: 127.0.0.1:${port}`, "auth: none", "cert: false", "disable-telemetry: true", "disable-update-check: true",
    "disable-workspace-trust: true", "disable-getting-started-override: true", ""].join("\n"));
  fs.writeFileSync(path.join(run, "user/User/settings.json"), JSON.stringify({
    "telemetry.telemetryLevel": "off", "update.mode": "none", "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true, "workbench.enableExperiments": false, "workbench.startupEditor": "none",
    "workbench.tips.enabled": false, "security.workspace.trust.enabled": false, "chat.commandCenter.enabled": false,
    "workbench.colorTheme": "Default Dark Modern", "window.restoreWindows": "none", ...settings,
  }, null, 2));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(workspace, name), text);
  }
  if (prepare) await prepare(workspace);
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(run, "xdg/config"), XDG_DATA_HOME: path.join(run, "xdg/data"), XDG_CACHE_HOME: path.join(run, "xdg/cache"),
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
  };
  delete env.NODE_OPTIONS; // the test runner's `--import tsx` must not leak into VS Code's processes
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  if (vsix) {
    // What users install: the packaged VSIX, unpacked by VS Code's own installer.
    const r = spawnSync(CODE_SERVER, ["--user-data-dir", path.join(run, "user"), "--extensions-dir", path.join(run, "exts"), "--install-extension", vsix], { env, encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (${r.status}): ${r.stdout}${r.stderr}`);
    const installed = fs.readdirSync(path.join(run, "exts")).find((d) => d.startsWith(`${pkg.publisher}.${pkg.name}-`));
    if (!installed) throw new Error(`the VSIX installed nothing into ${path.join(run, "exts")}: ${r.stdout}${r.stderr}`);
  } else {
    // An unpacked extension folder linked as <publisher>.<name>-<version>: VS Code registers it at the first start of a fresh extensions dir.
    fs.symlinkSync(ROOT, path.join(run, "exts", `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  }
  const log = fs.openSync(path.join(run, "code-server.log"), "w");
  const child = spawn(CODE_SERVER, ["--config", path.join(run, "config.yaml"), "--user-data-dir", path.join(run, "user"), "--extensions-dir", path.join(run, "exts"), workspace], {
    env, detached: true, stdio: ["ignore", log, log],
  });
  let exited = false;
  child.once("exit", () => (exited = true));
  const stop = async () => {
    if (exited) return;
    try { process.kill(-child.pid, "SIGTERM"); } catch { return; }
    for (let i = 0; i < 100 && !exited; i++) await sleep(100);
    if (!exited) try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
  };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`code-server exited: ${fs.readFileSync(path.join(run, "code-server.log"), "utf8").slice(-2000)}`);
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch { /* not yet */ }
    if (i > 600) { await stop(); throw new Error("code-server did not answer /healthz within 60 s"); }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}/?folder=${workspace}`, workspace, run, stop, extensionsDir: path.join(run, "exts") };
}

export async function launchBrowser(runDir) {
  const { chromium } = playwright();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(runDir, "xdg/chromium-config"), XDG_CACHE_HOME: path.join(runDir, "xdg/chromium-cache") },
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-default-apps", "--disable-sync", "--no-first-run", "--disable-features=Translate,MediaRouter,OptimizationHints", "--metrics-recording-only"],
  });
}

/** Run a command from the palette (`note` hears about each retry). */
export async function runCommand(page, title, { attempts = 20, note = () => {} } = {}) {
  // Every step has a short timeout and the whole sequence is retried: the palette can close under
  // the test (focus moving to an editor or webview that just opened), and its list lacks the command
  // until the extension's contributions are registered.
  const input = page.locator(".quick-input-widget input.input");
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press("F1");
      await input.waitFor({ state: "visible", timeout: 5000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await row.waitFor({ timeout: 3000 });
      if (!(await input.isVisible())) throw new Error("the palette closed");
      // The first row is not always the command asked for (a fuzzy match or a recently used one can
      // rank above it: "Evolve Reward" vs "Apply Evolved Reward"): move the focus onto it.
      const focused = page.locator(".quick-input-list .monaco-list-row.focused");
      const onTitle = async () => (await focused.innerText({ timeout: 1000 }).catch(() => "")).includes(title);
      for (let i = 0; i < 10 && !(await onTitle()); i++) await page.keyboard.press("ArrowDown");
      if (!(await onTitle())) throw new Error(`"${title}" never had the focus in the palette`);
      await page.keyboard.press("Enter");
      return;
    } catch (err) {
      if (attempt >= attempts) throw new Error(`command "${title}" could not be run from the palette: ${err.message}`);
      note(`palette: retrying "${title}" (${err.message.split("\n")[0]})`);
      await page.keyboard.press("Escape");
      await input.waitFor({ state: "hidden", timeout: 5000 }).catch(() => {});
    }
  }
}

/**
 * Right-click `target` and run its context-menu entry `label`: hovering an entry focuses it and
 * Enter runs it (a click can land before the menu accepts mouse-up). On a loaded machine the menu
 * can miss the hover or not open at all, so until `tookEffect()` resolves true it is opened again,
 * up to `attempts` times; then `failure` (with the count) is thrown.
 */
export async function runContextMenuEntry(page, target, label, tookEffect, failure, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    await target.click({ button: "right" });
    const entry = page.locator(".context-view .action-item", { hasText: label }).first();
    if (await entry.waitFor({ timeout: 15_000 }).then(() => true, () => false)) {
      await entry.hover();
      await page.keyboard.press("Enter");
      if (await tookEffect()) return;
    }
    if (attempt === attempts) throw new Error(`${failure} after ${attempts} tries`);
    await page.keyboard.press("Escape");
  }
}

/** The frame (webview iframe) in which `selector` exists, waiting up to `ms`. */
export async function findFrame(page, selector, ms = 60_000) {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      try { if (await f.locator(selector).count()) return f; } catch { /* detached */ }
    }
    await sleep(250);
  }
  throw new Error(`no frame with ${selector} within ${ms} ms`);
}

/**
 * Hover `target` (an editor token) until the hover `widget` shows: each try moves the mouse away
 * first, since a hover that is already open (or re-rendered by another provider) does not reopen.
 */
export async function hoverUntilShown(page, target, widget, what, ms = 60_000) {
  await waitUntil(what, async () => {
    await page.mouse.move(5, 5);
    await target.hover();
    return widget.waitFor({ timeout: 4000 }).then(() => true, () => false);
  }, ms, 500);
}

export async function waitUntil(what, f, ms = 60_000, every = 250) {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    const v = await f();
    if (v) return v;
    await sleep(every);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** The built extension's files the e2e flows need (and `extra` ones a test needs), or why they are missing. */
export function missingBuild(extra = []) {
  const missing = ["dist/extension.js", "dist/runtime.js", "dist/media/dashboard.js", "dist/language-server.js", "dist/rl-studio.d.ts", ...extra].filter((f) => !fs.existsSync(path.join(ROOT, f)));
  return missing.length > 0 ? `the extension is not built (${missing.join(", ")} missing): run \`node scripts/build.mjs\`` : null;
}

/** `t.diagnostic` with seconds since the test started. */
export function lapper(t) {
  const t0 = Date.now();
  return (m) => t.diagnostic(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${m}`);
}

/**
 * A browser page on the workbench, with every response that left 127.0.0.1 recorded in `offbox`.
 * Webview resources use https://*.vscode-resource.vscode-cdn.net URLs that the webview's service
 * worker answers from the local server: only a request answered from the network counts as leaving.
 */
export async function openWorkbench(browser, url, { viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const offbox = new Set();
  const offboxUrl = (u) => { const x = new URL(u); return /^https?:$/.test(x.protocol) && !["127.0.0.1", "localhost"].includes(x.hostname); };
  context.on("response", (r) => { if (offboxUrl(r.url()) && !r.fromServiceWorker()) offbox.add(new URL(r.url()).origin); });
  context.on("requestfailed", (r) => { if (offboxUrl(r.url())) offbox.add(`${new URL(r.url()).origin} (failed)`); });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  openPages.add(page);
  await page.goto(url);
  await page.locator(".monaco-workbench").waitFor();
  await page.locator(".monaco-workbench").click({ position: { x: 700, y: 450 } }).catch(() => {});
  return { context, page, offbox };
}

/**
 * code-server + Chromium around `body({ cs, browser, lap })`; stops both whatever happens and keeps
 * the profile, workspace and code-server.log of a failed run for diagnosis.
 */
const openPages = new Set();
export async function withCodeServer(t, options, body) {
  fs.mkdirSync(OUT, { recursive: true });
  const lap = lapper(t);
  const cs = await startCodeServer(options);
  lap(`code-server up${options.vsix ? ` with ${path.basename(options.vsix)} installed` : ""}`);
  const browser = await launchBrowser(cs.run);
  let passed = false;
  try {
    await body({ cs, browser, lap });
    passed = true;
  } finally {
    if (!passed) {
      // What the screen showed when it failed, for diagnosis.
      const name = t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      for (const [i, page] of [...openPages].entries()) await page.screenshot({ path: path.join(OUT, `failed-${name}-${i}.png`) }).catch(() => {});
    }
    openPages.clear();
    await browser.close().catch(() => {});
    await cs.stop();
    if (passed) fs.rmSync(cs.run, { recursive: true, force: true });
    else t.diagnostic(`kept for diagnosis: ${cs.run} (code-server.log, workspace/.rl-studio/runs)`);
  }
}

/**
 * Open a workspace file through Quick Open (Ctrl+P), as a user does; resolves when its tab is active.
 * On a loaded machine the first file search can take many seconds (it spawns ripgrep), so each try
 * waits 20 s for the row (and 10 s for the widget) before it is closed (until it is hidden) and opened again.
 */
export async function openFile(page, name) {
  const input = page.locator(".quick-input-widget input.input");
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      // Ctrl+P can go unheard (focus in a notification that was just clicked, a webview, a closing widget).
      await page.keyboard.press("Control+P");
      await input.waitFor({ state: "visible", timeout: 10_000 });
      await input.fill(name);
      await row.waitFor({ timeout: 20_000 });
      break;
    } catch (e) {
      if (attempt >= 4) throw new Error(`Quick Open never listed ${name} (4 tries): ${e.message.split("\n")[0]}`);
      await page.keyboard.press("Escape");
      await input.waitFor({ state: "hidden", timeout: 5000 }).catch(() => {});
    }
  }
  await page.keyboard.press("Enter");
  await page.locator(".tab.active", { hasText: name }).waitFor();
  await page.locator(".monaco-editor .view-lines").first().waitFor();
}

/** Resolves after two animation frames of `target` (a page or a webview frame): a DOM change just made is painted. */
export async function painted(target) {
  await target.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(undefined)))));
}

/**
 * Resolves once the element of `locator` and its descendants have no finite CSS animation or
 * transition left running (a notification's fade-in, a widget sliding in), then after a paint.
 * Infinite ones (a progress bar) are not waited for.
 */
export async function settled(locator) {
  await locator.evaluate((el) =>
    Promise.all(
      el
        .getAnimations({ subtree: true })
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime ?? Infinity))
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  await painted(locator.page());
}

/**
 * For an assertion that something does NOT happen: waits `ms` (the one fixed wait the suites allow,
 * since an absence has no event) and resolves to whether `locator` matched nothing the whole time.
 */
export async function staysAbsent(locator, ms) {
  return locator.first().waitFor({ state: "attached", timeout: ms }).then(() => false, () => true);
}

/** Move the editor's cursor to a 1-based line and column with Go to Line (Ctrl+G, "line:column"). */
export async function goTo(page, line, column = 1) {
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden" });
}

/** Rows of the Problems panel (opened with Ctrl+Shift+M), as text. */
export async function problems(page) {
  return page.locator(".markers-panel .monaco-list-row").allInnerTexts();
}

/** Paths (relative to `root`) of the files under `dir`, sorted. */
export function listFiles(dir, root = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, root) : [path.relative(root, p)];
  }).sort();
}
