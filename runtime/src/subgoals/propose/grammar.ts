/**
 * The GBNF grammar the local model proposes sub-goals under (as reward-design/grammar.ts does for
 * rewards): JSON of `proposalSchema`, each sub-goal's `achieved` drawn from a small predicate
 * language over this env's observation fields — comparisons of a field (or its absolute value)
 * with a constant, joined by && and ||. Every sentence parses, reads only real fields and yields a
 * boolean, so even a small model's answer fails validation, if at all, on its meaning (always
 * true, never reachable), never on syntax. Repetitions are bounded, so an answer is at most about
 * 1 400 characters (5 sub-goals of ≤ 280), which `maxTokens` covers even at a character a token.
 */

/** Sub-goals per proposal. */
export const MIN_SUBGOALS = 2;
export const MAX_SUBGOALS = 5;
export const MAX_DESCRIPTION_CHARS = 60;

const lit = (s: string) => JSON.stringify(s);

/** The grammar for one proposal over `fields` (root rule `root`). */
export function subgoalGrammar(fields: readonly string[]): string {
  if (fields.length === 0) throw new RangeError("the env has no observation fields");
  return [
    `root ::= "{" ws "\\"subgoals\\":" ws "[" ws subgoal ("," ws subgoal){${MIN_SUBGOALS - 1},${MAX_SUBGOALS - 1}} ws "]" ws "}"`,
    `subgoal ::= "{" ws "\\"name\\":" ws "\\"" name "\\"" "," ws "\\"description\\":" ws description "," ws "\\"achieved\\":" ws "\\"" predicate "\\"" ws "}"`,
    `name ::= [a-z] [a-zA-Z0-9]{0,15}`,
    `description ::= "\\"" [^"\\\\\\x00-\\x1F]{1,${MAX_DESCRIPTION_CHARS}} "\\""`,
    `predicate ::= conjunction (" || " conjunction){0,1}`,
    `conjunction ::= comparison (" && " comparison){0,1}`,
    `comparison ::= operand cmpop number`,
    `operand ::= "obs." field | "Math.abs(obs." field ")"`,
    `field ::= ${fields.map(lit).join(" | ")}`,
    `cmpop ::= " > " | " < " | " >= " | " <= "`,
    `number ::= "-"? ("0" | [1-9] [0-9]{0,2}) ("." [0-9]{1,3})?`,
    `ws ::= " "?`,
  ].join("\n");
}

/** The JSON schema of a proposal (the provider's fallback when it cannot use the grammar; also what the answer is read against). */
export function proposalSchema() {
  return {
    type: "object",
    properties: {
      subgoals: {
        type: "array",
        minItems: MIN_SUBGOALS,
        maxItems: MAX_SUBGOALS,
        items: {
          type: "object",
          properties: { name: { type: "string" }, description: { type: "string" }, achieved: { type: "string" } },
        },
      },
    },
  } as const;
}
