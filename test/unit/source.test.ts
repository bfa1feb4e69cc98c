import assert from 'node:assert/strict';
import { firstInvalidUtf8Byte } from '../../linter/src/cli/source';
import { LineIndex, codePointLength } from '../../linter/src/core/line-index';

describe('source: invalid UTF-8 position', () => {
  const b = (...parts: Array<string | number[]>): Uint8Array =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

  it('points at the offending byte (like Python)', () => {
    assert.equal(firstInvalidUtf8Byte(b('abc', [0xff], 'def')), 3, 'an invalid byte');
    assert.equal(firstInvalidUtf8Byte(b('ab', [0xe9], '"x')), 2, 'a lead byte cut short by ASCII');
    assert.equal(firstInvalidUtf8Byte(b('ab', [0xe2, 0x82], 'x')), 2, 'a two-of-three sequence cut short');
    assert.equal(firstInvalidUtf8Byte(b('é', [0x80])), 2, 'a stray continuation byte');
    assert.equal(firstInvalidUtf8Byte(b('abc', [0xf0, 0x9f])), 3, 'a sequence cut off at the end');
    assert.equal(firstInvalidUtf8Byte(b([0xc0, 0x80])), 0, 'an overlong encoding');
  });
});

describe('line index', () => {
  it('converts UTF-16 offsets to 1-based rows and code-point columns across \\n, \\r\\n and \\r', () => {
    const text = 'a😀b\r\ncd\re\nf';
    const idx = new LineIndex(text);
    assert.equal(idx.lineCount, 4);
    assert.deepEqual(idx.rowColumn(text.indexOf('b')), { row: 1, column: 3 });
    assert.deepEqual(idx.rowColumn(text.indexOf('d')), { row: 2, column: 2 });
    assert.deepEqual(idx.rowColumn(text.indexOf('e')), { row: 3, column: 1 });
    assert.deepEqual(idx.rowColumn(text.length), { row: 4, column: 2 });
    assert.equal(idx.lineText(0), 'a😀b');
    assert.equal(idx.lineEnd(1), text.indexOf('\re'));
    assert.equal(codePointLength('😀😀', 0, 4), 2);
  });
});
