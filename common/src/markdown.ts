/**
 * Putting text that comes from disk or from the user's file (run ids, folder names, env ids,
 * backend names, `error` from status.json, reward component names, LLM output) into markdown that
 * the editor renders, some of it trusted to run our commands. Such text must stay text: a backtick
 * in a folder name must not close a code span, and `[x](command:…)` in an error must not become a
 * link. Every hover, tooltip and notification builds with these two helpers (and `plainText` for
 * notifications, which are not markdown but turn `[x](command:…)` into a link).
 *
 * Pure: no imports. CommonMark (https://spec.commonmark.org/0.31.2/) is what VS Code's renderer
 * (marked) implements; the section numbers below are that spec's.
 */

/**
 * ASCII punctuation that makes markdown anywhere in a line: code spans, emphasis and
 * strikethrough, links and images (`[`), autolinks and raw HTML (`<`), entities (`&`), table cells
 * (`|`), the `@` of a GFM e-mail autolink (URL autolinks: `://` and `www.` below) and VS Code's
 * `$(icon)` syntax.
 * Any ASCII punctuation may be backslash-escaped, and an escaped character is literal (§2.4).
 */
const INLINE = /[\\`*_[\]<>&$~|@]/g;
/** What starts a block at the beginning of a line: a heading, list item, quote or setext underline. */
const BLOCK_START = /^([#+\-=>])|^(\d+)([.)])/;

/** Markdown that renders as exactly `text`, on one line (line breaks become spaces: no new blocks). */
export function markdownText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, " ")
    .replace(INLINE, "\\$&")
    .replace(/:(?=\/\/)|(?<=www)\./gi, "\\$&") // a GFM autolink starts at `https://` or `www.`
    .replace(BLOCK_START, (_m, mark: string | undefined, digits: string | undefined, dot: string | undefined) => (mark ? `\\${mark}` : `${digits}\\${dot}`));
}

/**
 * An inline code span that shows exactly `text` (on one line): the fence is one backtick longer
 * than the longest run of backticks inside (§6.1: a span ends only at a run of the fence's length),
 * padded with a space where the text starts or ends with a backtick (one leading and one trailing
 * space are stripped again when both are there). Not for table cells, where `|` still splits.
 */
export function markdownCode(text: string): string {
  const oneLine = text.replace(/\r\n|\r|\n/g, " ");
  if (oneLine === "") return "` `";
  let longest = 0;
  for (const run of oneLine.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") || (oneLine.startsWith(" ") && oneLine.endsWith(" ") && oneLine.trim() !== "") ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/**
 * A notification message that shows as written: VS Code's notifications are plain text but turn
 * `[label](https:…|command:…|file:…)` into a link; a space between `]` and `(` keeps it text.
 */
export function plainText(message: string): string {
  return message.replace(/\]\s*\(/g, "] (");
}
