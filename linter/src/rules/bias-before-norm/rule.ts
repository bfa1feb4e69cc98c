/**
 * NL003 bias-before-norm: a convolution or linear layer with a bias feeds directly into a
 * normalization that subtracts the per-channel mean, cancelling the bias exactly.
 */
import type { Span } from '../../core/diagnostic';
import type { LayerPair } from '../../model/python/facts';
import type { ClassDef, Expr, FuncDef, Param, Stmt } from '../../model/python/ir';
import type { ProjectFile } from '../../model/python/project';
import { boundNames, exprName, forEachCall, forEachExprDeep, forEachExprInBody, forEachStmtDeep, forEachSubExpr, someStmt } from '../../model/python/interp';
import { defineRule, type RuleContext } from '../define';
import { constOf, reusedAfterLayer, type Obj } from '../../model/python/values';
import { kerasAxisMatch } from '../../model/python/keras-axes';
import { inExclusiveBranches, kwText, layerName, setKeywordEdit } from '../util';

const PRODUCERS = new Set(['conv', 'convtranspose', 'linear']);

/** Does `norm` subtract a per-channel mean of `prod`'s output (so a per-channel bias before it cancels)? */
function cancelsBias(ctx: RuleContext, prod: Obj, norm: Obj): boolean {
  const kind = norm.spec?.kind;
  if (norm.spec?.framework !== prod.spec?.framework) return false;
  // Keras: only when BatchNormalization's axis is the producer's channel axis (else NL011).
  if (norm.spec?.framework === 'keras') return kind === 'batchnorm' && kerasAxisMatch(ctx.model, prod, norm) === 'same';
  if (kind === 'batchnorm') return true;
  if (kind === 'instancenorm') return constOf(ctx.model.argOf(norm, 'affine').value) === true;
  if (kind === 'groupnorm') {
    // Only when every group is one channel; otherwise the group mean leaves the bias' spread.
    const g = constOf(ctx.model.argOf(norm, 'num_groups').value);
    const c = constOf(ctx.model.argOf(norm, 'num_channels').value);
    return typeof g === 'number' && g === c && constOf(ctx.model.argOf(norm, 'affine').value) === true;
  }
  return false;
}

/** Output channels of a conv/linear layer (`out_channels`, `out_features`; Keras `filters`, `units`), when known. */
export function outChannels(ctx: RuleContext, layer: Obj): number | undefined {
  const param = layer.spec?.outParam;
  if (!param) return undefined;
  const v = constOf(ctx.model.argOf(layer, param).value);
  return typeof v === 'number' ? v : undefined;
}

/** Channels a normalization layer expects, when known. */
export function normChannels(ctx: RuleContext, norm: Obj): number | undefined {
  if (norm.spec?.lazy) return undefined;
  const v = constOf(ctx.model.argOf(norm, norm.spec?.kind === 'groupnorm' ? 'num_channels' : 'num_features').value);
  return typeof v === 'number' ? v : undefined;
}

const within = (inner: Span, outer: Span): boolean => inner.start >= outer.start && inner.end <= outer.end;
const spanOf = (body: Stmt[]): Span | null => (body.length ? { start: body[0].span.start, end: body[body.length - 1].span.end } : null);

/**
 * The branches around `target` in `body`: the `if`/`elif`/`else` bodies and the arms of
 * conditional expressions (`a if c else b`) that contain it, outermost first, through
 * functions, classes, loops, `with` and `try`.
 */
function branchesAround(body: Stmt[], target: Span, out: Span[] = []): Span[] {
  for (const s of body) {
    if (!within(target, s.span)) continue;
    switch (s.k) {
      case 'if':
        for (const branch of [s.body, s.orelse]) {
          const b = spanOf(branch);
          if (b && within(target, b)) {
            out.push(b);
            branchesAround(branch, target, out);
          }
        }
        break;
      case 'func':
      case 'class':
        branchesAround(s.def.body, target, out);
        break;
      case 'for':
      case 'while':
        branchesAround(s.body, target, out);
        branchesAround(s.orelse, target, out);
        break;
      case 'with':
        branchesAround(s.body, target, out);
        break;
      case 'try':
        branchesAround(s.body, target, out);
        for (const h of s.handlers) branchesAround(h.body, target, out);
        branchesAround(s.orelse, target, out);
        branchesAround(s.finalbody, target, out);
        break;
      default:
        forEachExprInBody([s], (e) => forEachCondArm(e, target, out));
    }
  }
  return out;
}

/** The arms of the conditional expressions inside `e` that contain `target`. */
function forEachCondArm(e: Expr, target: Span, out: Span[]): void {
  if (!within(target, e.span)) return;
  if (e.k === 'cond') {
    for (const arm of [e.body, e.orelse]) if (within(target, arm.span)) out.push(arm.span);
  }
  switch (e.k) {
    case 'call':
      forEachCondArm(e.fn, target, out);
      for (const a of e.args) forEachCondArm(a, target, out);
      for (const k of e.kwargs) forEachCondArm(k.value, target, out);
      break;
    case 'list': case 'tuple': case 'set':
      for (const x of e.elts) forEachCondArm(x, target, out);
      break;
    case 'cond':
      forEachCondArm(e.body, target, out);
      forEachCondArm(e.orelse, target, out);
      break;
    case 'bin': forEachCondArm(e.left, target, out); forEachCondArm(e.right, target, out); break;
    case 'star': forEachCondArm(e.value, target, out); break;
    default: break;
  }
}

/**
 * Whether the normalization is there only on some configurations the producer is built in:
 * created or applied in a branch (`if batch_norm:`, `bn if use_bn else nn.Identity()`,
 * `if self.use_bn: x = self.bn(x)` in forward()) that the producer's construction is not in.
 * Removing the bias there also removes it where nothing cancels it (torchvision's
 * `make_layers(cfg, batch_norm=False)`, pix2pix blocks built with `batchnorm=False`).
 */
function normIsConditional(pair: LayerPair, prod: Obj): boolean {
  const site = prod.site!;
  const norm = pair.consumer.site;
  for (const at of [norm, pair.where === 'forward' ? pair.at : null]) {
    if (!at || at.file !== site.file) continue;
    if (branchesAround(at.file.ir.body, at.span).some((b) => !within(site.span, b))) return true;
  }
  return false;
}

/** The innermost function whose body contains `target` (through classes and compound statements). */
function enclosingFunction(body: Stmt[], target: Span): FuncDef | null {
  for (const s of body) {
    if (!within(target, s.span)) continue;
    switch (s.k) {
      case 'func':
        return enclosingFunction(s.def.body, target) ?? s.def;
      case 'class':
        return enclosingFunction(s.def.body, target);
      case 'if': case 'for': case 'while':
        return enclosingFunction(s.body, target) ?? enclosingFunction(s.orelse, target);
      case 'with':
        return enclosingFunction(s.body, target);
      case 'try':
        return enclosingFunction(s.body, target) ?? s.handlers.map((h) => enclosingFunction(h.body, target)).find((d) => d) ??
          enclosingFunction(s.orelse, target) ?? enclosingFunction(s.finalbody, target);
      default:
        return null;
    }
  }
  return null;
}

/** The class whose body directly holds `def` (a method), or null. */
function classOf(body: Stmt[], def: FuncDef): ClassDef | null {
  for (const s of body) {
    if (!within(def.span, s.span)) continue;
    if (s.k === 'class') return s.def.body.some((m) => m.k === 'func' && m.def === def) ? s.def : classOf(s.def.body, def);
    if (s.k === 'func') return classOf(s.def.body, def);
    if (s.k === 'if' || s.k === 'for' || s.k === 'while') return classOf(s.body, def) ?? classOf(s.orelse, def);
    if (s.k === 'with' || s.k === 'try') return classOf(s.body, def);
    return null;
  }
  return null;
}

/**
 * A bias argument that is a parameter of the function building the layer, defaulting to
 * `True`, that no call in the project passes (segmentation_models.pytorch's
 * `ConvBnRelu(..., bias: bool = True)`: every block it builds has the cancelled bias). The
 * calls are found by the name of the function, or of the class for an `__init__`; a call that
 * passes the parameter, by keyword or position, or splats arguments, keeps it silent.
 * @returns the parameter, or null.
 */
function biasParamNeverPassed(ctx: RuleContext, prod: Obj, expr: Expr | null): Param | null {
  if (!expr || expr.k !== 'name' || !prod.site) return null;
  const file = prod.site.file;
  const def = enclosingFunction(file.ir.body, prod.site.span);
  if (!def) return null;
  const index = def.params.findIndex((p) => p.name === expr.id);
  const param = index >= 0 ? def.params[index] : undefined;
  if (!param || param.kind === 'varargs' || param.kind === 'kwargs' || !(param.default?.k === 'bool' && param.default.value)) return null;
  const cls = def.name === '__init__' ? classOf(file.ir.body, def) : null;
  if (def.name === '__init__' && !cls) return null;
  const callee = cls ? cls.name : def.name;
  // Positional index at the call (`self` is not written for a class).
  const at = param.kind === 'kwonly' ? -1 : cls ? index - 1 : index;
  let passed = false;
  let calls = 0;
  for (const f of ctx.model.index.files) {
    forEachExprDeep(f.ir.body, (e) => forEachCall(e, (c) => {
      const n = exprName(c.fn);
      if (!n || (n !== callee && !n.endsWith(`.${callee}`))) return;
      calls++;
      if (c.doubleStar.length > 0 || c.args.some((a) => a.k === 'star') || c.kwargs.some((k) => k.name === param.name) || (at >= 0 && c.args.length > at)) passed = true;
    }));
  }
  return !passed && calls > 0 ? param : null;
}

/**
 * Whether code in `file` reads a layer's `.bias` and never checks one for None
 * (rasbt/deeplearning-models' `self.linear_1.bias.detach().zero_()`): after `bias=False` the
 * attribute is None and that code raises. An initialization loop that tests
 * `m.bias is not None` (torchvision's) copes. Memoized per module-level statement (an open
 * document's untouched statements keep their objects across edits).
 */
function readsBiasUnchecked(file: ProjectFile): boolean {
  let reads = false;
  let checked = false;
  for (const st of file.ir.body) {
    const r = biasReadsIn(st);
    reads ||= r.reads;
    checked ||= r.checked;
  }
  return reads && !checked;
}

/** A module-level statement's `.bias` reads outside normalization branches, and its `.bias is None` tests. */
function biasReadsIn(top: Stmt): { reads: boolean; checked: boolean } {
  let memo = BIAS_READS.get(top);
  if (memo === undefined) {
    // An init loop's `elif isinstance(m, nn.BatchNorm2d): ... m.bias` reads a norm's bias.
    const normBranches: Span[] = [];
    forEachStmtDeep([top], (st) => {
      if (st.k === 'if' && isNormInstanceTest(st.test) && st.body.length > 0) normBranches.push({ start: st.body[0].span.start, end: st.body[st.body.length - 1].span.end });
    });
    let reads = false;
    let checked = false;
    forEachExprDeep([top], (e) => forEachSubExpr(e, (x) => {
      // (Not a normalization's own bias, `self.bn.bias`, nor a module's own `self.bias`.)
      const owner = x.k === 'attr' && x.attr === 'bias' ? exprName(x.obj) ?? '' : null;
      if (owner !== null && owner !== 'self' && !/(bn|norm)\w*$/i.test(owner) && !normBranches.some((b) => within(x.span, b))) reads = true;
      if (x.k === 'compare' && x.operands.some((o) => o.k === 'none') && x.operands.some((o) => o.k === 'attr' && o.attr === 'bias')) checked = true;
    }));
    BIAS_READS.set(top, (memo = { reads, checked }));
  }
  return memo;
}
const BIAS_READS = new WeakMap<Stmt, { reads: boolean; checked: boolean }>();

/** `isinstance(m, nn.BatchNorm2d)` (or a tuple of norm classes): a test that selects normalization layers. */
function isNormInstanceTest(e: Expr): boolean {
  if (e.k !== 'call' || exprName(e.fn) !== 'isinstance' || e.args.length !== 2) return false;
  const cls = e.args[1];
  const names = cls.k === 'tuple' || cls.k === 'list' ? cls.elts.map((x) => exprName(x) ?? '') : [exprName(cls) ?? ''];
  return names.length > 0 && names.every((n) => /(Norm|BN)\w*$/.test(n));
}

/**
 * Whether the normalization layer's class is passed in rather than written: constructed through
 * a parameter or a local of its function (`norm_module(num_features=c)`, `norm_layer(planes)`
 * after `if norm_layer is None: norm_layer = nn.BatchNorm2d`) or an attribute of `self`
 * (`self._norm_layer(...)`). The layer normlint saw is the default; a caller may pass another
 * (`nn.Identity`, `FrozenBatchNorm2d`) that leaves the bias doing its job.
 */
function normPassedIn(norm: Obj): boolean {
  const call = norm.call;
  const site = norm.site;
  if (!call || !site) return false;
  const fn = call.fn;
  if (fn.k === 'attr') return fn.obj.k === 'name' && fn.obj.id === 'self';
  if (fn.k !== 'name') return false;
  const def = enclosingFunction(site.file.ir.body, site.span);
  if (!def) return false;
  const params = new Set(def.params.map((p) => p.name));
  if (params.has(fn.id)) return true;
  // A local: passed in when some assignment to it reads a parameter or `self`
  // (`norm = norm_layer or nn.BatchNorm2d`), not when it is chosen here (`Norm = nn.BatchNorm1d`,
  // byol-pytorch's `Norm = MaybeSyncBatchnorm(...)`).
  let fromOutside = false;
  someStmt(def.body, (s) => {
    if (!boundNames(s).has(fn.id)) return false;
    const read = s.k === 'assign' && s.value ? [s.value] : null;
    if (!read) fromOutside = true;
    else forEachSubExpr(read[0], (x) => {
      if (x.k === 'name' && (params.has(x.id) || x.id === 'self')) fromOutside = true;
    });
    return fromOutside;
  });
  return fromOutside;
}

export default defineRule({
  meta: {
    code: 'NL003',
    name: 'bias-before-norm',
    summary: 'A conv/linear bias is cancelled by the BatchNorm right after it.',
    severity: 'info',
    fix: 'sometimes',
    enabledByDefault: true,
    frameworks: ['pytorch', 'keras', 'tfjs'],
  },
  check(ctx: RuleContext) {
    const done = new Set<Obj>();
    for (const p of ctx.model.pairs) {
      // `direct`: nothing in between, not even the producer's own activation (Keras `activation=`).
      if (p.how !== 'direct' || done.has(p.producer)) continue;
      // The producer's output also goes elsewhere (`d = conv(x); y = bn(d); ...; y + d`): the
      // bias reaches the residual, so the normalization does not cancel it.
      if (p.input && reusedAfterLayer(p.input)) continue;
      const prod = p.producer;
      // A shared layer (called at several sites: the same weights on two inputs) keeps its bias
      // where one of its outputs reaches no cancelling normalization.
      const sites = ctx.model.layerCallSites(prod);
      if (sites.size > 1 && [...sites].some((at) => !ctx.model.consumersAt(prod, at).some((c) => cancelsBias(ctx, prod, c)))) continue;
      if (!prod.spec || !PRODUCERS.has(prod.spec.kind) || !prod.call || !prod.site || !prod.spec.biasParam) continue;
      if (!cancelsBias(ctx, prod, p.consumer)) continue;
      // Built in exclusive branches (`if use_bn: fc = Linear(bias=False); bn = ...` / `else:
      // fc = Linear()`): never in one module, whatever the symbolic forward() pairs.
      const nsite = p.consumer.site;
      if (nsite && nsite.file === prod.site.file && inExclusiveBranches(prod.site.file.ir.body, prod.site.span, nsite.span)) continue;
      const param = prod.spec.biasParam;
      const bias = ctx.model.argOf(prod, param);
      // Only a bias that is literally on (default or `bias=True`), or a parameter defaulting to
      // `True` that no call passes: a computed flag may differ per caller.
      const neverPassed = bias.defaulted || (bias.expr?.k === 'bool' && bias.expr.value) ? null : biasParamNeverPassed(ctx, prod, bias.expr);
      if (!(bias.defaulted || (bias.expr?.k === 'bool' && bias.expr.value) || neverPassed)) continue;
      // Different channel counts are NL011's business.
      const out = outChannels(ctx, prod);
      const want = normChannels(ctx, p.consumer);
      if (out !== undefined && want !== undefined && out !== want) continue;
      done.add(prod);
      const text = ctx.text(prod.site.file.path);
      const keras = prod.spec.framework === 'keras';
      const file = prod.site.file;
      const conditional = normIsConditional(p, prod);
      const passedIn = !conditional && normPassedIn(p.consumer);
      const biasRead = readsBiasUnchecked(file);
      const shift = keras && constOf(ctx.model.argOf(p.consumer, 'center').value) === false ? `and with \`${kwText(file, 'center', 'False')}\` nothing replaces it` : 'and its own shift (β) replaces the bias';
      ctx.report({
        site: prod.site,
        span: (!bias.viaPartial && bias.keyword?.span) || prod.site.span,
        message: `\`${layerName(prod)}\` has a bias that the following \`${layerName(p.consumer)}\` cancels: the normalization subtracts the per-channel mean, ${shift}; pass \`${kwText(file, param, 'False')}\`${
          neverPassed ? ` (its \`${neverPassed.name}\` parameter defaults to True and no call in the project passes it)` : ''}`,
        related: p.consumer.site ? [{ site: p.consumer.site, message: `\`${layerName(p.consumer)}\` normalizes the output here` }] : [],
        fix: neverPassed ? {
          title: `Default \`${neverPassed.name}\` to False (no call in the project passes it; other callers would lose the bias too)`,
          applicability: 'unsafe',
          edits: [{ start: neverPassed.default!.span.start, end: neverPassed.default!.span.end, content: 'False' }],
        } : {
          title: (keras
            ? `Set \`${kwText(file, 'use_bias', 'False')}\` (weights saved with the bias will no longer load into this layer)`
            : 'Set `bias=False` (checkpoints saved with the bias will no longer load with `strict=True`)') +
            (conditional ? '; the normalization is conditional: where it is left out, the bias is removed too' : '') +
            (passedIn ? '; the normalization layer is passed in: where a caller passes another kind, the bias is removed too' : '') +
            (biasRead ? '; code in this file reads `.bias` without checking for None, which it becomes' : ''),
          applicability: conditional || passedIn || biasRead ? 'unsafe' : 'safe',
          edits: [setKeywordEdit(text, prod.call, param, 'False', file)],
        },
      });
    }
  },
});
