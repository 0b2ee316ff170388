/**
 * Entry of the validation process (candidate-process.ts): runs each candidate it is sent on the sample
 * transitions in a locked-down realm (sandbox.ts) and answers with its statistics or its failure.
 * Bundled as dist/reward-sandbox.js; it loads nothing but the sandbox.
 */
import { evaluateOnSamples, type RewardComponent, type TransitionLayout } from "./sandbox.js";
import { exitWithHost, isCandidateProcess } from "./candidate-process.js";
import type { SandboxJobMessage, SandboxReplyMessage } from "./sandbox-worker.js";

if (isCandidateProcess()) {
  exitWithHost();
  const reply = (m: SandboxReplyMessage) => process.send!(m);
  process.on("message", (job: SandboxJobMessage) => {
    reply({ index: job.index, started: true });
    const components: RewardComponent[] = job.components;
    const layout: TransitionLayout = job.layout;
    reply({ index: job.index, result: evaluateOnSamples(components, layout, job.samples, job.timeoutMs) });
  });
  reply({ ready: true });
}
