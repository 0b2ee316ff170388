// Text from disk or from the user's file stays text in the markdown the editor renders: checked by
// rendering with marked (the renderer VS Code's MarkdownString uses) on hostile names and on
// thousands of random strings made of markdown's own characters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { marked } from "marked";
import { markdownCode, markdownText, plainText } from "../../../common/src/markdown.js";
import { Rng } from "../../../runtime/src/rng.js";

const render = (md: string) => marked.parse(md, { async: false, gfm: true }) as string;

function decode(html: string): string {
  return html.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** The one paragraph `html` renders as, with no element inside it; its text. */
function paragraphText(html: string): string {
  const m = /^<p>([\s\S]*)<\/p>\n?$/.exec(html);
  assert.ok(m, `one paragraph: ${html}`);
  assert.doesNotMatch(m[1]!, /<[a-z]/i, `no element: ${html}`);
  return decode(m[1]!);
}

const HOSTILE = [
  "run`[x](command:workbench.action.terminal.new)`",
  "[x](command:rlStudio.deleteRun?%5B%22a%22%5D)",
  "``` ![img](https://example.com/a.png) <img src=x onerror=alert(1)>",
  "error: see https://evil.example/x and www.evil.example and me@evil.example",
  "$(alert) **bold** _it_ ~~s~~ | a | b |",
  "# heading",
  "- item",
  "1. first",
  "> quote",
  "&amp; &#91;x&#93;(command:y)",
  "back\\slash \\[x](command:y)",
  "line one\n\n# line two\n[x](command:y)",
  "<command:rlStudio.train>",
  "a  ",
];

test("markdownText renders as exactly the text: no link, code, emphasis, HTML, heading or list", () => {
  for (const s of HOSTILE) {
    const want = s.replace(/\r\n|\r|\n/g, " ").trim();
    assert.equal(paragraphText(render(markdownText(s))).trim(), want, JSON.stringify(s));
  }
});

test("markdownCode renders as one code span holding exactly the text, whatever backticks it has", () => {
  for (const s of [...HOSTILE, "`", "``", "a`b``c```d", "` leading", "trailing `", " both ", "", "  "]) {
    const html = render(`x ${markdownCode(s)} y`);
    const m = /^<p>x <code>([\s\S]*?)<\/code> y<\/p>\n?$/.exec(html);
    assert.ok(m, `one code span for ${JSON.stringify(s)}: ${html}`);
    assert.equal(decode(m[1]!), s === "" ? " " : s.replace(/\r\n|\r|\n/g, " "), JSON.stringify(s));
  }
  assert.equal(markdownCode("a`b"), "``a`b``");
  assert.equal(markdownCode("`x"), "`` `x ``");
});

test("random strings of markdown's own characters stay text (2,000 each)", () => {
  const alphabet = ["`", "[", "]", "(", ")", "!", "<", ">", "*", "_", "~", "#", "-", "+", "=", "|", "\\", "&", ";", ":", "/", "@", "$", "a", "1", ".", " ", "command:x", "https://", "www."];
  const rng = new Rng(3);
  for (let i = 0; i < 2000; i++) {
    let s = "a";
    const n = 1 + rng.integer(12);
    for (let k = 0; k < n; k++) s += alphabet[rng.integer(alphabet.length)];
    s += "z"; // text between letters: no whitespace trimming at the edges
    assert.equal(paragraphText(render(markdownText(s))), s, JSON.stringify(s));
    const html = render(`x ${markdownCode(s)} y`);
    const m = /^<p>x <code>([\s\S]*?)<\/code> y<\/p>\n?$/.exec(html);
    assert.ok(m, JSON.stringify(s));
    assert.equal(decode(m[1]!), s, JSON.stringify(s));
  }
});

// VS Code's notifications turn this into a link (src/vs/base/common/linkedText.ts); plainText must not leave one.
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

test("plainText leaves no link in a notification and changes nothing else", () => {
  const message = "RL Studio: run [x](command:workbench.action.openSettings) failed: see [docs](https://example.com) [a]  (file:/etc/passwd)";
  assert.match(message, NOTIFICATION_LINK);
  const plain = plainText(message);
  assert.doesNotMatch(plain, NOTIFICATION_LINK);
  assert.equal(plain.replace(/\] \(/g, "]("), message.replace(/\]\s*\(/g, "]("));
  assert.equal(plainText("run cartpole-0419 completed."), "run cartpole-0419 completed.");
});
