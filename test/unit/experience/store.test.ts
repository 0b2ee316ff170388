import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperienceWriter, listSegments } from "../../../runtime/src/experience/writer.js";
import { forEachEpisode, type StoredEpisode, type StoreProblem } from "../../../runtime/src/experience/reader.js";
import { PREFIX_BYTES, encodeSegmentStart, framedBlockBytes } from "../../../runtime/src/experience/format.js";
import { FRAME_OVERHEAD, frameRecord, parseFrames } from "../../../runtime/src/experience/record-framing.js";

function tempRoot(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "rls-xp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const HEADER = { envId: "Line-v0", fields: ["x", "v"], obsDim: 2, actionKind: "discrete" as const, actionSize: 3, runId: "line-run-s1" };

/**
 * Episode e of `episodes` has `lengthOf(e)` steps: state (e + t/10, −t), action t % 3, reward −1,
 * the last step terminated (e even, success) or truncated (e odd). Two envs interleave, one
 * block per `stepsPerBlock` vector steps, as the trainer writes.
 */
function writeEpisodes(writer: ExperienceWriter, episodes: number, lengthOf: (e: number) => number, stepsPerBlock = 3): void {
  const queue = Array.from({ length: episodes }, (_, e) => e);
  const envs: { e: number; id: number; t: number }[] = [];
  const next = () => {
    const e = queue.shift();
    return e === undefined ? null : { e, id: writer.beginEpisode(), t: 0 };
  };
  for (let k = 0; k < 2; k++) {
    const s = next();
    if (s) envs.push(s);
  }
  let step = 0;
  while (envs.length > 0) {
    for (let k = envs.length - 1; k >= 0; k--) {
      const s = envs[k]!;
      const len = lengthOf(s.e);
      const last = s.t === len - 1;
      writer.add(s.id, [s.e + s.t / 10, -s.t], s.t % 3, -1, last && s.e % 2 === 0, last && s.e % 2 === 1, last && s.e % 2 === 0, last ? [s.e + (s.t + 1) / 10, -(s.t + 1)] : undefined);
      s.t++;
      if (last) {
        const n = next();
        if (n) envs[k] = n;
        else envs.splice(k, 1);
      }
    }
    if (++step % stepsPerBlock === 0) writer.flush();
  }
  writer.close();
}

function readAll(dir: string, problems: StoreProblem[] = []): StoredEpisode[] {
  const out: StoredEpisode[] = [];
  forEachEpisode(dir, (ep) => out.push(ep), { onProblem: (p) => problems.push(p) });
  return out;
}

function episodeOf(e: number, len: number) {
  const states: number[] = [];
  for (let t = 0; t <= len; t++) states.push(Math.fround(e + t / 10), -t);
  return { states, actions: Array.from({ length: len }, (_, t) => t % 3), terminated: e % 2 === 0, truncated: e % 2 === 1, success: e % 2 === 0 };
}

test("framing: a frame round-trips, and every cut of it reads as incomplete, never as a record", () => {
  const data = Buffer.from("hello, experience");
  const framed = frameRecord(data);
  assert.equal(framed.length, data.length + FRAME_OVERHEAD);
  const whole = parseFrames(framed);
  assert.deepEqual(Buffer.from(whole.records[0]!), data);
  assert.equal(whole.problem, null);
  for (let cut = 1; cut < framed.length; cut++) {
    const p = parseFrames(framed.subarray(0, cut));
    assert.equal(p.records.length, 0, `cut at ${cut}`);
    assert.equal(p.problem?.kind, "incomplete", `cut at ${cut}: ${p.problem?.detail}`);
  }
});

test("episodes written across blocks and two interleaved envs read back exactly", (t) => {
  const root = tempRoot(t);
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: 1 << 20 });
  writeEpisodes(w, 5, (e) => 3 + 2 * e);
  const problems: StoreProblem[] = [];
  const eps = readAll(w.dir, problems);
  assert.deepEqual(problems, []);
  assert.equal(eps.length, 5);
  for (const ep of eps) {
    const e = Math.round(ep.states[0]!);
    const want = episodeOf(e, 3 + 2 * e);
    assert.equal(ep.length, 3 + 2 * e);
    assert.deepEqual(Array.from(ep.states), want.states);
    assert.deepEqual(Array.from(ep.actions), want.actions);
    assert.deepEqual(Array.from(ep.envRewards), new Array(ep.length).fill(-1));
    assert.equal(ep.terminated, want.terminated);
    assert.equal(ep.truncated, want.truncated);
    assert.equal(ep.success, want.success);
    assert.equal(ep.runId, "line-run-s1");
  }
  assert.equal(new Set(eps.map((e) => e.key)).size, 5);
});

test("kill -9 at every byte offset of the last record: every earlier episode survives, the tear is reported as incomplete", (t) => {
  const root = tempRoot(t);
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: 1 << 20 });
  // Episodes of length 2 and 4 written one vector step per block, so the last block holds only the last episode's end.
  writeEpisodes(w, 4, (e) => (e % 2 === 0 ? 2 : 4), 1);
  const [seg] = listSegments(w.dir);
  const file = join(w.dir, seg!.name);
  const full = readFileSync(file);
  const frames = parseFrames(full.subarray(PREFIX_BYTES));
  const lastStart = PREFIX_BYTES + frames.offsets.at(-1)!;
  const before = readAll(w.dir).map((e) => e.key);
  assert.equal(before.length, 4);
  // What survives when the last block is lost: the episodes it did not end.
  writeFileSync(file, full.subarray(0, lastStart));
  const survivors = readAll(w.dir).map((e) => e.key);
  assert.ok(survivors.length >= 3 && survivors.length < 4, `the last block ends an episode (${survivors.length} survive)`);
  for (let cut = lastStart; cut < full.length; cut++) {
    writeFileSync(file, full.subarray(0, cut));
    const problems: StoreProblem[] = [];
    const keys = readAll(w.dir, problems).map((e) => e.key);
    assert.deepEqual(keys, survivors, `cut at byte ${cut}`);
    if (cut === lastStart) assert.deepEqual(problems, []);
    else {
      assert.equal(problems.length, 1, `cut at byte ${cut}`);
      assert.equal(problems[0]!.kind, "incomplete");
      assert.equal(problems[0]!.offset, lastStart);
      assert.equal(problems[0]!.file, file);
    }
  }
  // A cut inside the segment's own prefix or header is incomplete too, and loses only that segment.
  for (const cut of [0, 3, PREFIX_BYTES + 5]) {
    writeFileSync(file, full.subarray(0, cut));
    const problems: StoreProblem[] = [];
    assert.deepEqual(readAll(w.dir, problems), []);
    assert.equal(problems[0]?.kind, "incomplete", `cut at ${cut}`);
  }
});

test("a damaged record is reported with file and offset; what precedes it is kept, the rest of that segment skipped", (t) => {
  const root = tempRoot(t);
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: 1 << 20 });
  writeEpisodes(w, 6, () => 2, 1);
  const [seg] = listSegments(w.dir);
  const file = join(w.dir, seg!.name);
  const bytes = readFileSync(file);
  const frames = parseFrames(bytes.subarray(PREFIX_BYTES));
  const victim = PREFIX_BYTES + frames.offsets[3]!;
  bytes[victim + 14] = bytes[victim + 14]! ^ 0xff; // inside the data
  writeFileSync(file, bytes);
  const problems: StoreProblem[] = [];
  const eps = readAll(w.dir, problems);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.kind, "corrupt");
  assert.equal(problems[0]!.file, file);
  assert.equal(problems[0]!.offset, victim);
  assert.match(problems[0]!.message, new RegExp(`at byte ${victim}: the record's data fails its CRC`));
  // Blocks 1 and 2 (vector steps 0 and 1) finish the first two episodes (length 2).
  assert.equal(eps.length, 2);
  // A file that is not a segment at all is reported and skipped.
  writeFileSync(join(w.dir, "0000000000000-junk-0001.rlx"), "not a segment");
  const more: StoreProblem[] = [];
  readAll(w.dir, more);
  assert.ok(more.some((p) => p.kind === "corrupt" && /does not start with "RLXP"/.test(p.message)));
});

test("segments of another env shape are skipped as a mismatch, not read", (t) => {
  const root = tempRoot(t);
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: 1 << 20 });
  writeEpisodes(w, 2, () => 2);
  const problems: StoreProblem[] = [];
  const seen: StoredEpisode[] = [];
  forEachEpisode(w.dir, (e) => seen.push(e), { expect: { ...HEADER, fields: ["x", "speed"] }, onProblem: (p) => problems.push(p) });
  assert.equal(seen.length, 0);
  assert.equal(problems[0]!.kind, "mismatch");
});

test("the cap: the folder never holds more than maxBytes, oldest segments go first", (t) => {
  const root = tempRoot(t);
  const maxBytes = 4096;
  const dirSize = (dir: string) => readdirSync(dir).reduce((s, n) => s + statSync(join(dir, n)).size, 0);
  let clock = 1_000_000;
  const writers: ExperienceWriter[] = [];
  for (let run = 0; run < 3; run++) {
    const w = new ExperienceWriter({ root, header: { ...HEADER, runId: `run-${run}` }, maxBytes, segmentBytes: 1024, now: () => (clock += 10) });
    writers.push(w);
    for (let e = 0; e < 40; e++) {
      const id = w.beginEpisode();
      for (let s = 0; s < 5; s++) w.add(id, [e, s], 1, -1, false, s === 4, false, s === 4 ? [e, s + 1] : undefined);
      w.flush();
      assert.ok(dirSize(w.dir) <= maxBytes, `run ${run} episode ${e}: ${dirSize(w.dir)} bytes > ${maxBytes}`);
    }
    w.close();
  }
  assert.ok(writers.some((w) => w.segmentsDropped > 0));
  // Oldest first: what remains is the newest run's tail.
  const eps = readAll(writers[0]!.dir);
  assert.ok(eps.length > 0);
  assert.ok(eps.every((e) => e.runId === "run-2"), `kept: ${[...new Set(eps.map((e) => e.runId))].join(", ")}`);
  const lastIds = eps.map((e) => e.states[0]);
  assert.equal(lastIds.at(-1), 39);
});

test("a block larger than the whole cap is not stored, with one notice, and nothing breaks", (t) => {
  const root = tempRoot(t);
  const lines: string[] = [];
  const start = encodeSegmentStart({ format: 1, ...HEADER, session: "00000000", createdAt: new Date(0).toISOString() }).length;
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: start + framedBlockBytes(3, 0, 2, 1), log: (l) => lines.push(l) });
  const id = w.beginEpisode();
  for (let s = 0; s < 10; s++) w.add(id, [0, s], 0, -1, false, false, false);
  w.flush();
  w.flush();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /exceed the store's cap/);
  for (let s = 0; s < 3; s++) w.add(id, [0, s], 0, -1, false, false, false);
  w.close();
  assert.equal(listSegments(w.dir).length, 1);
});

test("an unwritable store turns storing off with one notice instead of failing", (t) => {
  const root = tempRoot(t);
  writeFileSync(join(root, "Line-v0"), "a file where the env folder should be");
  const lines: string[] = [];
  const w = new ExperienceWriter({ root, header: HEADER, maxBytes: 1 << 20, log: (l) => lines.push(l) });
  const id = w.beginEpisode();
  w.add(id, [0, 0], 0, -1, false, false, false);
  w.flush();
  w.add(id, [0, 1], 0, -1, false, false, false);
  w.close();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /could not write/);
  truncateSync(join(root, "Line-v0"), 0);
});
