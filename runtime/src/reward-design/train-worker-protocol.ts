/** Messages between the evolution host and a candidate-training process (train-worker.ts). */
import type { EpisodeRecord, MetricsRecord } from "../runs/run-dir.js";
import type { TrainSummary } from "../ppo/train.js";
import type { BackendRequest } from "../backends/select.js";
import type { RewardComponent } from "./sandbox.js";

export interface TrainWorkerData {
  /** The experiment as compiled (bundle) and where it came from. */
  source: { path: string; text: string; sha256: string; bundle: string };
  seed: number;
  totalTimesteps: number;
  components: RewardComponent[];
  /** The candidate's `reward: …` snippet, kept as the run's source.rl.ts. */
  snippet: string;
  runsRoot: string;
  runId: string;
  backend: BackendRequest;
}

export type TrainWorkerMessage =
  | { type: "metrics"; record: MetricsRecord }
  | { type: "episode"; record: EpisodeRecord }
  | { type: "done"; summary: TrainSummary }
  | { type: "error"; message: string };

/** Host → training process: what to train (once), and stop (a cancel). */
export type TrainWorkerCommand = { type: "start"; data: TrainWorkerData } | { type: "stop" };
