/**
 * Reading source files for the CLI: size limit, binary detection, strict UTF-8 decoding.
 * A file that cannot be used is skipped with a one-line reason; nothing here throws.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { Notebook, NotebookError } from '../notebook/notebook';

/** Files larger than this many bytes are skipped (10 MiB). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Notebooks larger than this many bytes are skipped (64 MiB): their outputs (plots as base64
 * images) often weigh far more than their code, which the engine's own size limit still caps.
 */
export const MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024;

/** A readable, decoded source file. */
export interface SourceFile {
  /** Absolute path. */
  abs: string;
  /** Project-relative path with `/` separators (what the engine sees). */
  rel: string;
  /** The raw bytes as read. */
  bytes: Buffer;
  /** The decoded text, without a UTF-8 BOM; for a notebook, its Python program (`Notebook.program`). */
  text: string;
  /** The parsed notebook, for a `.ipynb` file (its JSON is `notebook.raw`). */
  notebook: Notebook | null;
  /** Whether the file starts with a UTF-8 byte-order mark (kept when fixes are written). */
  bom: boolean;
  /** Hex sha1 of the bytes. */
  hash: string;
  /** File mode bits (kept when fixes are written). */
  mode: number;
}

/** Result of {@link readSource}: a file, or why it was skipped. */
export type ReadResult = { ok: true; file: SourceFile } | { ok: false; reason: string };

/**
 * The 0-based offset of the byte at which strict UTF-8 decoding of `bytes` fails (for a
 * sequence cut off at the end, its lead byte), found by bisecting with the platform's strict
 * decoder. Only meaningful once a decode has failed.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  const valid = (n: number): boolean => {
    try {
      // `stream: true` tolerates a sequence cut at the end, so validity is monotone in `n`.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0; // valid(lo)
  let hi = bytes.length; // !valid(hi) (or a truncated final sequence)
  if (valid(hi)) {
    // Only a multi-byte sequence cut off at the end: report its lead byte.
    let i = hi - 1;
    while (i > 0 && hi - i < 4 && (bytes[i] & 0xc0) === 0x80) i--;
    return Math.max(0, i);
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (valid(mid)) lo = mid;
    else hi = mid;
  }
  const bad = hi - 1;
  if ((bytes[bad] & 0xc0) !== 0x80) {
    // Decoding failed on a byte that ends a started sequence early: report the sequence's lead.
    for (let i = bad - 1; i >= 0 && bad - i <= 3; i--) {
      if ((bytes[i] & 0xc0) === 0xc0) return i;
      if ((bytes[i] & 0xc0) !== 0x80) break;
    }
  }
  return bad;
}

/**
 * Read and decode one file. Skips (with a reason): anything but a regular file (a FIFO would
 * block), unreadable files, files over `maxBytes` ({@link MAX_FILE_BYTES}, or
 * {@link MAX_NOTEBOOK_BYTES} for notebooks), binary files (a NUL byte in the first 8 KiB)
 * invalid UTF-8, and notebooks (`.ipynb`) that are not nbformat 4 Python notebooks.
 */
export function readSource(abs: string, rel: string, maxBytes = abs.endsWith('.ipynb') ? MAX_NOTEBOOK_BYTES : MAX_FILE_BYTES): ReadResult {
  let st: fs.Stats;
  let bytes: Buffer;
  try {
    st = fs.statSync(abs);
    if (!st.isFile()) return { ok: false, reason: 'not a regular file; skipped' };
    if (st.size > maxBytes) {
      return { ok: false, reason: `file is larger than ${formatBytes(maxBytes)} (${formatBytes(st.size)}); skipped` };
    }
    bytes = fs.readFileSync(abs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, reason: `cannot read file (${err.code ?? err.message}); skipped` };
  }
  if (bytes.length > maxBytes) {
    return { ok: false, reason: `file is larger than ${formatBytes(maxBytes)} (${formatBytes(bytes.length)}); skipped` };
  }
  const nul = bytes.subarray(0, 8192).indexOf(0);
  if (nul >= 0) return { ok: false, reason: `binary file (NUL byte at byte ${nul}); skipped` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: `invalid UTF-8 at byte ${firstInvalidUtf8Byte(bytes)}; skipped` };
  }
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let notebook: Notebook | null = null;
  if (abs.endsWith('.ipynb')) {
    try {
      notebook = Notebook.parse(text);
    } catch (e) {
      if (e instanceof NotebookError) return { ok: false, reason: `${e.message}; skipped` };
      throw e;
    }
    text = notebook.program;
  }
  const hash = crypto.createHash('sha1').update(bytes).digest('hex');
  return { ok: true, file: { abs, rel, bytes, text, notebook, bom, hash, mode: st.mode & 0o7777 } };
}

/** `10 MiB` for exact multiples, else one decimal (`10.0 MiB`, `1.5 KiB`). */
function formatBytes(n: number): string {
  for (const [unit, size] of [['MiB', 1024 * 1024], ['KiB', 1024]] as const) {
    if (n >= size) return `${n % size === 0 ? n / size : (n / size).toFixed(1)} ${unit}`;
  }
  return `${n} bytes`;
}

/** The bytes to write for `text`, re-adding the BOM when the original had one. */
export function encodeSource(text: string, bom: boolean): Buffer {
  return Buffer.from(bom ? '\uFEFF' + text : text, 'utf8');
}
