/**
 * What llama.cpp's BPE sessions (SentencePiece and byte-level alike, src/llama-vocab.cpp) work on: the
 * text as a doubly linked list of pieces, adjacent pairs queued by priority, a pair merged by
 * growing the left piece over the right one.
 */

/** A piece of the session text: [start, start + length) in UTF-16 code units; length 0 once merged away. */
export interface Piece {
  start: number;
  length: number;
  prev: number;
  next: number;
}

/** One piece per code point, linked in order. */
export function codePointPieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  for (let offset = 0; offset < text.length; ) {
    const length = text.codePointAt(offset)! > 0xffff ? 2 : 1;
    pieces.push({ start: offset, length, prev: pieces.length - 1, next: offset + length === text.length ? -1 : pieces.length + 1 });
    offset += length;
  }
  return pieces;
}

/** Merges piece `right` into its left neighbour `left` and unlinks it. */
export function mergePieces(pieces: Piece[], left: number, right: number): void {
  const l = pieces[left]!;
  const r = pieces[right]!;
  l.length += r.length;
  r.length = 0;
  l.next = r.next;
  if (r.next >= 0) pieces[r.next]!.prev = left;
}

/** A binary heap; `before(a, b)` is true when a leaves the heap before b (a max-heap for "greater"). */
export class BinaryHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < a.length && this.before(a[l]!, a[best]!)) best = l;
        if (r < a.length && this.before(a[r]!, a[best]!)) best = r;
        if (best === i) break;
        [a[i], a[best]] = [a[best]!, a[i]!];
        i = best;
      }
    }
    return top;
  }
}
