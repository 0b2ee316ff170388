/** Messages between the evolution host and a candidate-training worker (train-worker.ts). */
import type { EpisodeRecord, MetricsRecord } from "../runs/run-dir.js";
import type { TrainSummary } from "../ppo/train.js";
import type { BackendRequest } from "../backends/select.js";
import type { RewardComponent } from "./sandbox.js";

export interface TrainWorkerData {
  kind: "rl-studio-reward-candidate";
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
