/**
 * How to start a worker thread whose entry is one of the runtime's own modules: the bundle
 * `dist/<bundled>` beside the running bundle, or — from source, under tsx (tests, `npm run dev`) —
 * a bootstrap that registers tsx's CommonJS hooks inside the worker and requires the .ts entry
 * (loader hooks given with `--import` do not reach worker threads reliably). tsx is resolved here,
 * from the runtime's own folder, because an eval'd worker resolves modules from the working
 * directory, which is the user's workspace.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface WorkerScript {
  script: string;
  eval: boolean;
}

/**
 * `callerDir` is the caller's `__dirname` (the source folder under tsx, dist/ in a bundle);
 * `sourceEntry` the entry's file name beside the caller's source; `bundled` its bundle's name in dist/.
 */
export function workerScript(callerDir: string, callerFile: string, sourceEntry: string, bundled: string): WorkerScript {
  if (callerFile.endsWith(".ts")) {
    const entry = join(callerDir, sourceEntry);
    // createRequire: the bundler leaves it alone (this branch only runs from source, where tsx is installed).
    const tsx = createRequire(callerFile).resolve("tsx/cjs/api");
    return { script: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, eval: true };
  }
  const file = join(callerDir, bundled);
  if (existsSync(file)) return { script: file, eval: false };
  throw new Error(`the worker bundle is missing: ${file} (scripts/build.mjs bundles ${sourceEntry} to dist/${bundled}; run npm run build)`);
}
