// Text gathered into UTF-8 pieces: the bytes come out whole and in order, a piece is never over its size
// unless one text alone is, and no character is cut between two pieces.
import { Utf8Pieces } from '../../../server/services/analytics/utf8-pieces.js';

function gathered(texts: string[], size: number): Buffer[] {
  const pieces = new Utf8Pieces(size);
  const out: Buffer[] = [];
  for (const text of texts) {
    const full = pieces.add(text);
    if (full) out.push(full);
  }
  out.push(pieces.take());
  return out;
}

test('mixed Latin, Chinese and emoji text comes out byte for byte, each piece within its size and valid UTF-8', () => {
  const texts = Array.from({ length: 500 }, (_, i) => ['<event>', '受理咨询', 'agent😀@x', `#${i}`][i % 4]!);
  const out = gathered(texts, 64);
  expect(Buffer.concat(out).toString('utf8')).toBe(texts.join(''));
  for (const piece of out) {
    expect(piece.length).toBeLessThanOrEqual(64);
    expect(Buffer.from(piece.toString('utf8'))).toEqual(piece);
  }
});

test('a text longer than a piece gets a piece of its own, after what came before it', () => {
  const long = '长'.repeat(100);
  const out = gathered(['head', long, 'tail'], 32);
  expect(out.map((piece) => piece.toString('utf8'))).toEqual(['head', long, 'tail']);
});

test('nothing added: one empty piece', () => {
  expect(gathered([], 16)).toEqual([Buffer.alloc(0)]);
});

test('a piece handed back is filled again, and only a whole piece of the set size is kept', () => {
  const size = 64 * 1024;
  const pieces = new Utf8Pieces(size);
  pieces.add('first');
  const first = pieces.take();
  pieces.release(first);
  pieces.add('second');
  pieces.take();
  // the piece being filled now is the one handed back
  pieces.add('third');
  const third = pieces.take();
  expect(third.buffer === first.buffer).toBe(true);
  expect(third.toString('utf8')).toBe('third');

  const oversized = pieces.add('长'.repeat(size)) ?? pieces.take();
  expect(oversized.length).toBeGreaterThan(size);
  pieces.release(oversized);
  for (let i = 0; i < 3; i++) {
    pieces.add('again');
    expect(pieces.take().buffer === oversized.buffer).toBe(false);
  }
});
