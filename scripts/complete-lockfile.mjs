// Adds lockfile entries for node-llama-cpp's prebuilt-binary packages of OTHER platforms when the
// registry this lock was made against does not serve them (npm then leaves them out, and `npm ci`
// refuses the lock as out of sync). The entries carry only version/os/cpu: `npm ci` skips them by
// platform without fetching, exactly as it would with a lock made against the full registry.
// Run after any `npm install` that rewrites package-lock.json: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const FOREIGN = {
  "linux-riscv64": ["linux", "riscv64"],
  "mac-arm64-metal": ["darwin", "arm64"],
  "mac-x64": ["darwin", "x64"],
  "win-arm64": ["win32", "arm64"],
  "win-x64": ["win32", "x64"],
  "win-x64-cuda": ["win32", "x64"],
  "win-x64-cuda-ext": ["win32", "x64"],
  "win-x64-vulkan": ["win32", "x64"],
};

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const reference = lock.packages["node_modules/node-llama-cpp"];
if (!reference) {
  console.log("node-llama-cpp is not in package-lock.json: nothing to do");
  process.exit(0);
}
let added = 0;
for (const [name, [os, cpu]] of Object.entries(FOREIGN)) {
  const key = `node_modules/@node-llama-cpp/${name}`;
  if (lock.packages[key]) continue;
  lock.packages[key] = { version: reference.version, cpu: [cpu], license: "MIT", optional: true, os: [os], engines: { node: ">=20.0.0" } };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} lockfile entr${added === 1 ? "y" : "ies"} for node-llama-cpp's other-platform binaries`);
