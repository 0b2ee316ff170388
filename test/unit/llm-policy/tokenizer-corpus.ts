/**
 * Strings the tokenizer is checked on against llama.cpp (through node-llama-cpp): TWOSOME's action
 * phrases and observation sentences (Overcooked, VirtualHome wording), whitespace runs, digits,
 * punctuation, accents, CJK, emoji, control characters and text that looks like special tokens.
 */
const actions = [
  "pick up the tomato",
  "pick up the lettuce",
  "pick up the onion",
  "take the empty bowl",
  "take the bowl",
  "walk to the first cutting board",
  "walk to the second cutting board",
  "serve nothing",
  "chop nothing",
  "chop the tomato",
  "chop the lettuce",
  "serve the dish",
  "put the tomato in the bowl",
  "put the lettuce in the bowl",
  "put the onion in the bowl",
  "put the tomato on the first cutting board",
  "put the bowl on the second cutting board",
  "walk to the kitchen",
  "walk to the living room",
  "walk to the bathroom",
  "walk to the bedroom",
  "grab the pancake",
  "put the pancake in the microwave",
  "open the microwave",
  "close the microwave",
  "switch on the microwave",
  "turn on the TV",
  "sit on the sofa",
  "grab the chips",
  "grab the milk",
  "walk to the coffee table",
  "put the chips on the coffee table",
];

const sentences = [
  "There are two fixed cutting boards in the room.",
  "You notice a tomato on the table.",
  "You notice a tomato, a lettuce and an onion on the different tables.",
  "A bowl containing chopped tomato is on the first cutting board.",
  "Currently you are standing in front of the first cutting board without anything in hand.",
  "Currently you are carrying an unchopped tomato in hand.",
  "Currently you don't have anything in hand.",
  "To serve the dish of a bowl only containing chopped tomato, you should first",
  "You are in the kitchen. You notice a microwave and a pancake. The microwave is closed.",
  "You are holding nothing. In order to heat up the pancake in the microwave, your next step is to",
  "Once upon a time, there was a little girl named Lily.",
  "She liked to play in the park with her dog, Max!",
  "It's a dog's life; they'll say we're fine, I'd've thought.",
];

const tricky = [
  "",
  " ",
  "  ",
  "   leading spaces",
  "trailing spaces   ",
  "a  b   c    d",
  "\t tab\tand\nnewline\n\nend",
  "\r\nwindows\r\nlines",
  "line one\n  indented line\n\ttabbed",
  "12345678901234567890",
  "3.14159 and 2,718 and -42 and 1e-5 and 0x1F",
  "Score: 100%! (really?) [yes] {no} <maybe>",
  "a+b=c; x*y/z^2 | ~tilde `code` @at #hash $dollar &amp",
  "naïve café résumé über Straße",
  "façade — em dash – en dash … ellipsis",
  "日本語のテキスト",
  "中文字符和标点，。！",
  "한국어 문장입니다",
  "Привет, мир!",
  "Γειά σου Κόσμε",
  "مرحبا بالعالم",
  "emoji 😀🍅🥗 and 👩‍🍳 chef",
  "e\u0301 combining acute",
  "zero\u200bwidth space",
  "non\u00a0breaking space",
  "ideographic\u3000space",
  "<s> looks like BOS </s> looks like EOS <unk>",
  "<0x0A> literal byte token text",
  "▁ already escaped ▁▁",
  "CAPITALS AND lowercase And MiXeD",
  "don't won't can't shouldn't 'quoted' \"double\"",
  "x",
  "\n",
  "\u0007bell\u0000nul",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters",
];

/** A deterministic mix: every phrase alone, with a leading space, inside a prompt, and combined with the tricky strings. */
export function tokenizerCorpus(): string[] {
  const out = new Set<string>();
  for (const a of actions) {
    out.add(a);
    out.add(` ${a}`);
    out.add(`${a}.`);
  }
  for (const s of sentences) out.add(s);
  for (const t of tricky) out.add(t);
  for (let i = 0; i < sentences.length; i++) {
    for (let j = 0; j < actions.length; j += 3) out.add(`${sentences[i]} ${actions[(i + j) % actions.length]}`);
  }
  for (let i = 0; i < tricky.length; i++) {
    out.add(`${tricky[i]}${tricky[(i * 7 + 3) % tricky.length]}`);
    out.add(`${actions[i % actions.length]} ${tricky[i]} ${sentences[i % sentences.length]}`);
  }
  return [...out];
}

export const TWOSOME_ACTIONS: readonly string[] = actions;
export const TWOSOME_SENTENCES: readonly string[] = sentences;
