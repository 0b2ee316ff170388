/**
 * Workspace Trust for the commands that execute the experiment's code (Train, Resume, Zero-shot Prior, Explain,
 * Suggest Reward, Evolve Reward) or write code into it (Apply Evolved Reward). None of them is disabled through package.json `enablement`: a
 * disabled command is silently missing from the palette and a disabled code lens does nothing, so
 * the user never learns why. Instead each command runs and, in an untrusted workspace, answers with
 * a message that says why (the experiment file is a program) and how (Manage Workspace Trust), and
 * starts nothing. The decision is here, free of `vscode`, so it is unit-tested.
 */

/** The commands that compile and run an experiment file's code. */
export type TrustedAction = "train" | "resume" | "evalPrior" | "explain" | "suggestReward" | "proposeSubgoals" | "evolveReward" | "applyEvolvedReward";

/** The button of the untrusted-workspace message and the command it runs. */
export const MANAGE_TRUST_BUTTON = "Manage Workspace Trust";
export const MANAGE_TRUST_COMMAND = "workbench.trust.manage";

const WHY = "An experiment file is a program: RL Studio compiles it and runs its code (environment, reward) on your machine";

const ACTIONS: Record<TrustedAction, { disabled: string; runs: string; toDo: string; still?: string }> = {
  train: { disabled: "training is", runs: "training runs it", toDo: "train" },
  resume: { disabled: "resuming a run is", runs: "resuming trains it further", toDo: "resume runs" },
  evalPrior: { disabled: "measuring the zero-shot prior is", runs: "measuring the prior runs its environment with the LLM policy", toDo: "measure zero-shot priors" },
  explain: {
    disabled: "explaining is",
    runs: "explaining runs the trained policy in its environment",
    toDo: "explain runs",
    still: "Saved explanations can still be opened.",
  },
  suggestReward: { disabled: "Suggest Reward is", runs: "suggesting a reward steps its environment to sample transitions", toDo: "suggest rewards" },
  proposeSubgoals: { disabled: "Propose Sub-goals is", runs: "validating sub-goals steps its environment with a random policy", toDo: "propose sub-goals" },
  evolveReward: { disabled: "Evolve Reward is", runs: "evolving a reward trains it with each candidate", toDo: "evolve rewards" },
  applyEvolvedReward: {
    disabled: "applying an evolved reward is",
    runs: "applying writes the saved reward's code into it after running that code on its environment's transitions",
    toDo: "apply evolved rewards",
    still: "Saved evolutions can still be opened.",
  },
};

/** The warning shown when `action` is refused: why it is refused and how to allow it. */
export function untrustedMessage(action: TrustedAction): string {
  const a = ACTIONS[action];
  return (
    `RL Studio: ${a.disabled} disabled in this untrusted workspace. ${WHY}, and ${a.runs}. ` +
    `To ${a.toDo}, trust this workspace (${MANAGE_TRUST_BUTTON}).` +
    (a.still ? ` ${a.still}` : "") +
    " Browsing runs and the dashboard work without trust."
  );
}

export type TrustDecision =
  | { proceed: true }
  | { proceed: false; message: string; button: typeof MANAGE_TRUST_BUTTON; command: typeof MANAGE_TRUST_COMMAND };

/** Whether `action` may run: trusted → proceed; untrusted → the message and its button, nothing else. */
export function decideTrust(isTrusted: boolean, action: TrustedAction): TrustDecision {
  if (isTrusted) return { proceed: true };
  return { proceed: false, message: untrustedMessage(action), button: MANAGE_TRUST_BUTTON, command: MANAGE_TRUST_COMMAND };
}

/** What the gate needs from the editor (vscode.workspace / window / commands in the extension, fakes in tests). */
export interface TrustHost {
  isTrusted(): boolean;
  showWarningMessage(message: string, ...items: string[]): PromiseLike<string | undefined>;
  executeCommand(command: string): PromiseLike<unknown>;
}

/**
 * True when `action` may run. Otherwise shows the warning (not awaited: the command returns at once
 * and starts nothing); its button opens the Workspace Trust editor.
 */
export function checkTrust(host: TrustHost, action: TrustedAction): boolean {
  const d = decideTrust(host.isTrusted(), action);
  if (d.proceed) return true;
  void Promise.resolve(host.showWarningMessage(d.message, d.button)).then((pick) => {
    if (pick === d.button) return host.executeCommand(d.command);
    return undefined;
  });
  return false;
}
