/** What a sub-goal may be called: an identifier, since it names the metric `subgoals/<name>` (the runtime and the language server check the same rule). */
export const SUBGOAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
