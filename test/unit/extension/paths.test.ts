import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isInsideFolder, outsideWorkspaceError, realPath, samePath, writeTargetError } from "../../../extension/src/paths.js";
import { evolvedRewardTargetError } from "../../../extension/src/llm/reward-text.js";

test("samePath is case-blind only where the file system is", () => {
  assert.equal(samePath("/ws/CartPole.rl.ts", "/ws/cartpole.rl.ts", "linux"), false);
  assert.equal(samePath("/ws/CartPole.rl.ts", "/ws/cartpole.rl.ts", "darwin"), true);
  assert.equal(samePath("/ws/a/../cartpole.rl.ts", "/ws/cartpole.rl.ts", "linux"), true);
  assert.equal(samePath("C:\\WS\\cartpole.rl.ts", "c:/ws/a/../cartpole.rl.ts", "win32"), true);
});

test("isInsideFolder: at any depth, never the folder itself, never by string prefix", () => {
  assert.equal(isInsideFolder("/ws/cartpole.rl.ts", "/ws", "linux"), true);
  assert.equal(isInsideFolder("/ws/a/b/cartpole.rl.ts", "/ws/", "linux"), true);
  assert.equal(isInsideFolder("/ws", "/ws", "linux"), false);
  assert.equal(isInsideFolder("/ws/", "/ws", "linux"), false);
  // The prefix trick: /ws-other starts with "/ws" but is a sibling.
  assert.equal(isInsideFolder("/ws-other/cartpole.rl.ts", "/ws", "linux"), false);
  assert.equal(isInsideFolder("/wscartpole.rl.ts", "/ws", "linux"), false);
  // `..` climbs out, even when it is written below the folder.
  assert.equal(isInsideFolder("/ws/../etc/passwd.rl.ts", "/ws", "linux"), false);
  assert.equal(isInsideFolder("/ws/a/../../home/u/x.rl.ts", "/ws", "linux"), false);
  assert.equal(isInsideFolder("/ws/a/../b/x.rl.ts", "/ws", "linux"), true);
  // A file whose name starts with two dots is still inside.
  assert.equal(isInsideFolder("/ws/..x.rl.ts", "/ws", "linux"), true);
  assert.equal(isInsideFolder("/", "/ws", "linux"), false);
  // Case: blind on macOS and Windows only.
  assert.equal(isInsideFolder("/WS/x.rl.ts", "/ws", "linux"), false);
  assert.equal(isInsideFolder("/WS/x.rl.ts", "/ws", "darwin"), true);
});

test("isInsideFolder on Windows: drive letters, both separators, other drives and UNC shares", () => {
  assert.equal(isInsideFolder("C:\\ws\\cartpole.rl.ts", "C:\\ws", "win32"), true);
  assert.equal(isInsideFolder("c:/WS/sub/cartpole.rl.ts", "C:\\ws", "win32"), true);
  assert.equal(isInsideFolder("D:\\ws\\cartpole.rl.ts", "C:\\ws", "win32"), false);
  assert.equal(isInsideFolder("C:\\ws-other\\cartpole.rl.ts", "C:\\ws", "win32"), false);
  assert.equal(isInsideFolder("C:\\ws\\..\\Windows\\x.rl.ts", "C:\\ws", "win32"), false);
  assert.equal(isInsideFolder("\\\\server\\share\\x.rl.ts", "C:\\ws", "win32"), false);
  assert.equal(isInsideFolder("\\\\server\\share\\ws\\x.rl.ts", "\\\\server\\share\\ws", "win32"), true);
});

test("outsideWorkspaceError names the file and the folders, and accepts a file in any folder", () => {
  assert.equal(outsideWorkspaceError("/b/x.rl.ts", ["/a", "/b"], "linux"), null);
  const outside = outsideWorkspaceError("/ws-other/x.rl.ts", ["/ws"], "linux");
  assert.ok(outside);
  assert.match(outside, /"\/ws-other\/x\.rl\.ts" is outside this workspace's folders \("\/ws"\)/);
  assert.match(outsideWorkspaceError("/ws/x.rl.ts", [], "linux") ?? "", /no workspace folder is open/);
  assert.match(outsideWorkspaceError("x.rl.ts", ["/ws"], "linux") ?? "", /"x\.rl\.ts" is not an absolute path/);
  assert.equal(outsideWorkspaceError("C:\\ws\\x.rl.ts", ["c:\\WS"], "win32"), null);
  assert.match(outsideWorkspaceError("D:\\x.rl.ts", ["C:\\ws"], "win32") ?? "", /outside this workspace's folders/);
});

test("evolvedRewardTargetError: evolution.json must name an absolute *.rl.ts path", () => {
  assert.equal(evolvedRewardTargetError("/ws/cartpole.rl.ts", "linux"), null);
  assert.equal(evolvedRewardTargetError("C:\\ws\\cartpole.rl.ts", "win32"), null);
  assert.match(evolvedRewardTargetError(undefined, "linux") ?? "", /names no experiment file \(experimentPath\)/);
  assert.match(evolvedRewardTargetError(42, "linux") ?? "", /names no experiment file/);
  assert.match(evolvedRewardTargetError(" ", "linux") ?? "", /names no experiment file/);
  assert.match(evolvedRewardTargetError("cartpole.rl.ts", "linux") ?? "", /not an absolute path/);
  assert.match(evolvedRewardTargetError("C:\\ws\\cartpole.rl.ts", "linux") ?? "", /not an absolute path/);
  assert.match(evolvedRewardTargetError("/home/u/.bashrc", "linux") ?? "", /"\/home\/u\/\.bashrc", which is not an experiment file \(\*\.rl\.ts\)/);
});

test("writeTargetError follows links: a link inside the workspace that points out of it is refused", (t) => {
  const root = mkdtempSync(join(tmpdir(), "rl-studio-paths-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const ws = join(root, "ws");
  const elsewhere = join(root, "elsewhere");
  mkdirSync(join(ws, "sub"), { recursive: true });
  mkdirSync(elsewhere);
  writeFileSync(join(ws, "sub", "cartpole.rl.ts"), "");
  writeFileSync(join(elsewhere, "victim.rl.ts"), "");
  symlinkSync(elsewhere, join(ws, "out"), "dir");
  symlinkSync(join(elsewhere, "victim.rl.ts"), join(ws, "victim.rl.ts"), "file");
  // A workspace opened through a link (e.g. /tmp → /private/tmp on macOS) still holds its own files.
  symlinkSync(ws, join(root, "ws-link"), "dir");

  assert.equal(writeTargetError(join(ws, "sub", "cartpole.rl.ts"), [ws]), null);
  assert.equal(writeTargetError(join(ws, "new.rl.ts"), [ws]), null, "a file not created yet, inside");
  assert.equal(writeTargetError(join(root, "ws-link", "sub", "cartpole.rl.ts"), [ws]), null);
  assert.equal(writeTargetError(join(ws, "sub", "cartpole.rl.ts"), [join(root, "ws-link")]), null);
  const linkOut = /leads through a link to ".*elsewhere.*victim\.rl\.ts", outside this workspace's folders/;
  assert.match(writeTargetError(join(ws, "out", "victim.rl.ts"), [ws]) ?? "", linkOut, "a linked folder");
  assert.match(writeTargetError(join(ws, "victim.rl.ts"), [ws]) ?? "", linkOut, "a linked file");
  assert.match(writeTargetError(join(ws, "out", "not-yet.rl.ts"), [ws]) ?? "", /leads through a link/, "a file not created yet, under a linked folder");
  assert.match(writeTargetError(join(elsewhere, "victim.rl.ts"), [ws]) ?? "", /victim\.rl\.ts" is outside this workspace's folders/);
  assert.match(writeTargetError("relative.rl.ts", [ws]) ?? "", /not an absolute path/);
  assert.match(writeTargetError(join(ws, "x.rl.ts"), []) ?? "", /no workspace folder is open/);
  assert.equal(realPath(join(ws, "out", "a", "b.rl.ts")), join(realPath(elsewhere), "a", "b.rl.ts"));
});
