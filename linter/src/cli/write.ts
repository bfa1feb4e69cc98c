/**
 * Atomic file replacement for `--fix`: write a temporary file in the same directory, fsync it,
 * give it the original's mode, then rename it over the original. A reader sees either the old
 * or the new file, never a partial one.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/**
 * Replace `abs` with `data` atomically, keeping `mode`.
 *
 * @param expectedSha1 when given, the file's current content must still hash to it (so edits
 *   made while normlint ran are not overwritten).
 * @throws Error with a readable message when the file changed, or on any I/O failure (the
 *   temporary file is removed).
 */
export function writeFileAtomic(abs: string, data: Uint8Array, mode: number, expectedSha1?: string): void {
  if (expectedSha1 !== undefined) {
    const current = crypto.createHash('sha1').update(fs.readFileSync(abs)).digest('hex');
    if (current !== expectedSha1) throw new Error('the file changed on disk while normlint was running; not written');
  }
  const dir = path.dirname(abs);
  const tmp = path.join(dir, `.${path.basename(abs)}.normlint-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.chmodSync(tmp, mode); // the umask may have narrowed the mode given to open
    fs.renameSync(tmp, abs);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
}
