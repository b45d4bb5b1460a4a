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
