/**
 * Helpers shared by the PyTorch rules: names of objects, how `torch`/`nn` are imported in a
 * file, and argument edits.
 */
import type { Edit, Fix, Span } from '../core/diagnostic';
import type { DdpFact } from '../model/python/facts';
import { indentAt, insertLinesBefore, lineStartOf } from './define';
import type { CallExpr, Expr, Stmt } from '../model/python/ir';
import { forEachExprInBody, forEachSubExpr } from '../model/python/interp';
import type { PyTorchModel } from '../model/python/interp';
import type { ModeInfo, ModeSource } from '../model/python/facts';
import type { Obj } from '../model/python/values';
import type { ProjectFile } from '../model/python/project';
import { tfjsDisplayName, tfjsLiteral, tfjsOptionName } from '../model/frameworks/tfjs';

/** Whether a project file is TypeScript/JavaScript (TensorFlow.js code lowered to the IR). */
export function isScript(file: ProjectFile | undefined | null): boolean {
  return file?.ir.lang === 'ts';
}

/** A Keras keyword in TensorFlow.js's spelling: `use_bias` → `useBias`. */
/**
 * A receiver name as the source writes it: TypeScript/JavaScript's `this` (lowered as `self`,
 * see `model/ts/lower.ts`) is shown as `this`.
 */
export function sourceName(file: ProjectFile | undefined | null, name: string): string {
  return isScript(file) ? name.replace(/^self(?=\.|$)/, 'this') : name;
}

export function camelCase(name: string): string {
  return tfjsOptionName(name);
}

/** A Python literal (`True`, `False`, `None`, a number) as written in `file`'s language. */
export function lit(file: ProjectFile | undefined | null, value: string): string {
  return isScript(file) ? tfjsLiteral(value) : value;
}

/**
 * An argument as written in `file`: `use_bias=False` in Python, `useBias: false` in a
 * TensorFlow.js config object.
 */
export function kwText(file: ProjectFile | undefined | null, name: string, value: string): string {
  return isScript(file) ? `${camelCase(name)}: ${lit(file, value)}` : `${name}=${value}`;
}

/** Short display name of a layer class (`nn.BatchNorm2d`) from its qualified name. */
export function layerName(obj: Obj): string {
  const q = obj.q ?? 'module';
  if (isScript(obj.site?.file)) return tfjsDisplayName(q);
  return q.startsWith('torch.nn.') ? `nn.${q.slice(9)}` : q.slice(q.lastIndexOf('.') + 1);
}

/** A short human description of what an object is (`ResNet18`, `nn.BatchNorm2d`, `torchvision.models.resnet50()`). */
export function describe(obj: Obj): string {
  if (obj.kind === 'instance' && obj.cls) return `a \`${obj.cls.def.name}\``;
  if (obj.kind === 'factory' && obj.q) return `\`${obj.q.replace(/^torchvision\.models\./, 'torchvision.models.')}()\``;
  if (obj.kind === 'layer') return `\`${layerName(obj)}\``;
  return 'a module';
}

/**
 * The prefix under which `torch.nn` is reachable in `file` (`nn.`, `torch.nn.`), or null when
 * the file imports neither.
 */
export function nnPrefix(model: PyTorchModel, file: ProjectFile): string | null {
  for (const name of file.bindings.keys()) {
    const vals = model.resolveGlobal(file, name);
    if (vals.some((v) => v.t === 'ext' && v.q === 'torch.nn')) return `${name}.`;
  }
  for (const name of file.bindings.keys()) {
    const vals = model.resolveGlobal(file, name);
    if (vals.some((v) => v.t === 'ext' && v.q === 'torch')) return `${name}.nn.`;
  }
  return null;
}

/**
 * An edit that sets keyword `name` to `value` (a Python literal) in `call`: replaces the
 * existing keyword's value, or appends `, name=value` before the closing parenthesis (keeping a
 * trailing comma layout). In a TypeScript/JavaScript `file`, the option goes into the call's
 * config object in camelCase (`useBias: false`), which is added when the call has none.
 */
export function setKeywordEdit(text: string, call: CallExpr, name: string, value: string, file?: ProjectFile): Edit {
  const kw = call.kwargs.find((k) => k.name === name);
  if (kw) return { start: kw.value.span.start, end: kw.value.span.end, content: lit(file, value) };
  if (isScript(file)) return setOptionEdit(text, call, camelCase(name), lit(file, value));
  const close = call.argsSpan.end - 1;
  const inner = text.slice(call.argsSpan.start + 1, close);
  if (inner.trim() === '') return { start: close, end: close, content: `${name}=${value}` };
  const trimmedEnd = inner.replace(/\s+$/, '');
  const lastChar = trimmedEnd[trimmedEnd.length - 1];
  const insertAt = call.argsSpan.start + 1 + trimmedEnd.length;
  if (lastChar === ',') {
    // Multi-line call with a trailing comma: add a new line in the same style.
    const m = /\n([ \t]*)[^\n]*$/.exec(trimmedEnd);
    if (m) return { start: insertAt, end: insertAt, content: `\n${m[1]}${name}=${value},` };
    return { start: insertAt, end: insertAt, content: ` ${name}=${value},` };
  }
  return { start: insertAt, end: insertAt, content: `, ${name}=${value}` };
}

/** Adds `key: value` to a TypeScript/JavaScript call's config object (or adds the object). */
function setOptionEdit(text: string, call: CallExpr, key: string, value: string): Edit {
  const prop = `${key}: ${value}`;
  if (call.config) {
    const close = call.config.end - 1;
    const inner = text.slice(call.config.start + 1, close);
    if (inner.trim() === '') return { start: call.config.start + 1, end: close, content: prop };
    const trimmedEnd = inner.replace(/\s+$/, '');
    const insertAt = call.config.start + 1 + trimmedEnd.length;
    if (trimmedEnd.endsWith(',')) {
      const m = /\n([ \t]*)[^\n]*$/.exec(trimmedEnd);
      return { start: insertAt, end: insertAt, content: m ? `\n${m[1]}${prop},` : ` ${prop},` };
    }
    return { start: insertAt, end: insertAt, content: `, ${prop}` };
  }
  const close = call.argsSpan.end - 1;
  const inner = text.slice(call.argsSpan.start + 1, close);
  if (inner.trim() === '') return { start: call.argsSpan.start + 1, end: close, content: `{${prop}}` };
  const trimmedEnd = inner.replace(/\s+$/, '').replace(/,$/, '');
  const insertAt = call.argsSpan.start + 1 + trimmedEnd.length;
  return { start: insertAt, end: insertAt, content: `, {${prop}}` };
}

/** True for a literal `True`. */
export function isTrueLiteral(e: Expr | null): boolean {
  return !!e && e.k === 'bool' && e.value;
}

/** Sources of a mode info that are the given mode. */
export function sourcesOf(info: ModeInfo, mode: ModeSource['mode']): ModeSource[] {
  return info.sources.filter((s) => s.mode === mode);
}


/**
 * The SyncBatchNorm conversion before a DDP wrap, spelled with the file's import of `torch.nn`:
 * a statement inserted before the wrap when the wrapped expression is a name or attribute chain
 * (`model = nn.SyncBatchNorm.convert_sync_batchnorm(model)`), else the wrapped expression itself
 * converted in place (`DDP(nn.SyncBatchNorm.convert_sync_batchnorm(model.to(device)), ...)`:
 * the conversion replaces BatchNorm children in place and returns the module it was given, so
 * the names bound to it see the conversion either way). Null when the file imports neither
 * `torch` nor `torch.nn`, or the wrap has no module argument.
 */
export function syncBatchNormFix(model: PyTorchModel, text: string, f: DdpFact, applicability: Fix['applicability']): Fix | null {
  const prefix = nnPrefix(model, f.site.file);
  if (prefix === null) return null;
  // A statement that shares its line with the header of a block (`if ddp: model = DDP(model)`)
  // gets the conversion in place: a line before it would run outside that block.
  const startsLine = lineStartOf(text, f.stmtSpan.start) + indentAt(text, f.stmtSpan.start).length === f.stmtSpan.start;
  if (startsLine && /^[A-Za-z_][\w.]*$/.test(f.argText)) {
    return {
      title: `Convert \`${f.argText}\` to SyncBatchNorm before the DDP wrap`,
      applicability,
      edits: [insertLinesBefore(text, f.stmtSpan.start, [`${f.argText} = ${prefix}SyncBatchNorm.convert_sync_batchnorm(${f.argText})`])],
    };
  }
  if (!f.argSpan) return null;
  const arg = text.slice(f.argSpan.start, f.argSpan.end);
  return {
    title: 'Convert the wrapped model to SyncBatchNorm before the DDP wrap',
    applicability,
    edits: [{ start: f.argSpan.start, end: f.argSpan.end, content: `${prefix}SyncBatchNorm.convert_sync_batchnorm(${arg})` }],
  };
}

const within = (inner: Span, outer: Span): boolean => inner.start >= outer.start && inner.end <= outer.end;
const bodySpan = (body: Stmt[]): Span | null => (body.length ? { start: body[0].span.start, end: body[body.length - 1].span.end } : null);
const inBody = (body: Stmt[], x: Span): boolean => {
  const b = bodySpan(body);
  return !!b && within(x, b);
};

/**
 * Whether `a` and `b` are in different arms of one `if`/`elif`/`else` (or `x if c else y`), so
 * they never run together: two layers built in exclusive branches of an `__init__` never meet
 * in one instance, whatever `forward()` does with them.
 */
export function inExclusiveBranches(body: Stmt[], a: Span, b: Span): boolean {
  for (const s of body) {
    const hasA = within(a, s.span);
    const hasB = within(b, s.span);
    if (!hasA && !hasB) continue;
    if (!hasA || !hasB) return false;
    switch (s.k) {
      case 'if': {
        const aBody = inBody(s.body, a);
        const bBody = inBody(s.body, b);
        const aElse = inBody(s.orelse, a);
        const bElse = inBody(s.orelse, b);
        if ((aBody && bElse) || (aElse && bBody)) return true;
        if (aBody && bBody) return inExclusiveBranches(s.body, a, b);
        if (aElse && bElse) return inExclusiveBranches(s.orelse, a, b);
        return false;
      }
      case 'func':
      case 'class':
        return inExclusiveBranches(s.def.body, a, b);
      case 'for':
      case 'while':
        return inExclusiveBranches(s.body, a, b) || inExclusiveBranches(s.orelse, a, b);
      case 'with':
        return inExclusiveBranches(s.body, a, b);
      case 'try':
        return [s.body, ...s.handlers.map((h) => h.body), s.orelse, s.finalbody].some((bd) => inExclusiveBranches(bd, a, b));
      default: {
        let exclusive = false;
        forEachExprInBody([s], (e) => forEachSubExpr(e, (x) => {
          if (x.k === 'cond' && ((within(a, x.body.span) && within(b, x.orelse.span)) || (within(b, x.body.span) && within(a, x.orelse.span)))) exclusive = true;
        }));
        return exclusive;
      }
    }
  }
  return false;
}
