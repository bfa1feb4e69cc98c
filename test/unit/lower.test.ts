import assert from 'node:assert/strict';
import { Edit } from 'web-tree-sitter';
import { initParser, loadGrammars, parsePy } from '../helpers/grammars';
import { initTreeSitter } from '../../linter/src/parse/parser';
import type {
  AssignStmt,
  AttrExpr,
  BlockStmt,
  CallExpr,
  ClassStmt,
  Expr,
  ExprStmt,
  ForStmt,
  FuncStmt,
  IfStmt,
  ImportFact,
  OtherExpr,
  PyFile,
  SimpleStmt,
  Stmt,
  TryStmt,
  WhileStmt,
  WithStmt,
} from '../../linter/src/model/python/ir';
import type { Span } from '../../linter/src/core/diagnostic';

/** The only (or `i`-th) module-level statement of `src`, which must parse without errors. */
function stmt<T extends Stmt>(src: string, i = 0): T {
  const ir = parsePy(src);
  assert.deepEqual(ir.errors, [], `unexpected syntax errors in ${JSON.stringify(src)}`);
  return ir.body[i] as T;
}

/** The expression of the expression statement `src`. */
function expr<T extends Expr>(src: string): T {
  const s = stmt<ExprStmt>(src);
  assert.equal(s.k, 'expr');
  return s.value as T;
}

function text(src: string, span: Span): string {
  return src.slice(span.start, span.end);
}

/** A compact rendering of an expression, for readable assertions. */
function show(e: Expr | null): string {
  if (e === null) return 'null';
  switch (e.k) {
    case 'name': return e.id;
    case 'attr': return `${show(e.obj)}.${e.attr}`;
    case 'call': {
      const args = [...e.args.map(show), ...e.kwargs.map((k) => `${k.name}=${show(k.value)}`), ...e.doubleStar.map((d) => `**${show(d)}`)];
      return `${show(e.fn)}(${args.join(', ')})`;
    }
    case 'num': return `${e.value}`;
    case 'str': return JSON.stringify(e.value);
    case 'bool': return e.value ? 'True' : 'False';
    case 'none': return 'None';
    case 'bin': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'unary': return `(${e.op} ${show(e.operand)})`;
    case 'boolop': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'compare': return `(${e.operands.map((o, i) => (i === 0 ? show(o) : `${e.ops[i - 1]} ${show(o)}`)).join(' ')})`;
    case 'list': return `[${e.elts.map(show).join(', ')}]`;
    case 'tuple': return `tuple(${e.elts.map(show).join(', ')})`;
    case 'set': return `{${e.elts.map(show).join(', ')}}`;
    case 'dict': return `{${e.keys.map((k, i) => (k === null ? `**${show(e.values[i])}` : `${show(k)}: ${show(e.values[i])}`)).join(', ')}}`;
    case 'subscript': return `${show(e.obj)}[${show(e.index)}]`;
    case 'lambda': return `lambda ${e.params.map((p) => p.name).join(', ')}: ${show(e.body)}`;
    case 'cond': return `(${show(e.body)} if ${show(e.test)} else ${show(e.orelse)})`;
    case 'star': return `*${show(e.value)}`;
    case 'other': return `<${e.kind}${e.parts.length > 0 ? ' ' + e.parts.map(show).join(' ') : ''}>`;
  }
}

function imports(src: string): ImportFact[] {
  const ir = parsePy(src);
  assert.deepEqual(ir.errors, []);
  return ir.body.map((s) => {
    assert.equal(s.k, 'import');
    return s.imp;
  });
}

/** Every expression in the IR (depth-first), to look for a node anywhere. */
function allExprs(ir: PyFile): Expr[] {
  const out: Expr[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.k === 'string' && 'span' in o && !('def' in o) && !('imp' in o) && !isStmt(o)) out.push(o as unknown as Expr);
      Object.values(o).forEach(visit);
    }
  };
  visit(ir.body);
  return out;
}

function isStmt(o: Record<string, unknown>): boolean {
  return ['assign', 'expr', 'if', 'for', 'while', 'with', 'try', 'return', 'func', 'class', 'import', 'simple', 'block'].includes(o.k as string);
}

describe('lowerPython', () => {
  before(initParser);

  describe('calls (torchvision shapes)', () => {
    it('lowers positional, keyword and nested call arguments with exact spans', () => {
      const src = 'layers.append(block(self.inplanes, planes, stride, downsample, norm_layer=norm_layer))\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'layers.append(block(self.inplanes, planes, stride, downsample, norm_layer=norm_layer))');
      assert.equal(text(src, call.span), src.trim());
      assert.equal(text(src, call.argsSpan), '(block(self.inplanes, planes, stride, downsample, norm_layer=norm_layer))');
      const fn = call.fn as AttrExpr;
      assert.equal(text(src, fn.attrSpan), 'append');
      const inner = call.args[0] as CallExpr;
      assert.equal(text(src, inner.span), 'block(self.inplanes, planes, stride, downsample, norm_layer=norm_layer)');
      assert.equal(text(src, inner.args[0].span), 'self.inplanes');
      assert.equal(text(src, (inner.args[0] as AttrExpr).attrSpan), 'inplanes');
      assert.equal(text(src, inner.kwargs[0].span), 'norm_layer=norm_layer');
      assert.equal(text(src, inner.kwargs[0].value.span), 'norm_layer');
    });

    it('lowers `*layers` as a star argument', () => {
      const src = 'nn.Sequential(*layers)\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'nn.Sequential(*layers)');
      assert.equal(call.args[0].k, 'star');
      assert.equal(text(src, call.args[0].span), '*layers');
    });

    it('separates **kwargs, keeps trailing commas, comments and parenthesized arguments', () => {
      const src = 'f(a, (b), *c, d=1, **e,  # note\n  g=(h),\n)\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'f(a, b, *c, d=1, g=h, **e)');
      assert.equal(text(src, call.argsSpan), src.slice(1, -1));
      assert.equal(text(src, call.args[1].span), 'b');
      assert.equal(text(src, call.kwargs[1].span), 'g=(h)');
    });

    it('lowers a generator expression as the sole argument', () => {
      const src = 'sum(x * 2 for x in xs if x)\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'sum(<generator_expression (x * 2) xs x>)');
      assert.equal(text(src, call.argsSpan), '(x * 2 for x in xs if x)');
    });

    it('handles calls on calls, subscripts and parenthesized callees', () => {
      assert.equal(show(expr('f(1)(2)[0].g(h)\n')), 'f(1)(2)[0].g(h)');
      const src = '(model).eval()\n';
      const call = expr<CallExpr>(src);
      assert.equal(show(call), 'model.eval()');
      assert.equal(text(src, call.span), '(model).eval()');
      assert.equal(text(src, call.fn.span), '(model).eval');
    });
  });

  describe('assignments', () => {
    it('lowers plain, chained, annotated and augmented assignments', () => {
      const a = stmt<AssignStmt>('a = b = c\n');
      assert.deepEqual([a.targets.map(show), show(a.value), a.op, a.annotation], [['a', 'b'], 'c', null, null]);
      const ann = stmt<AssignStmt>('x: List[int] = []\n');
      assert.deepEqual([ann.targets.map(show), show(ann.annotation), show(ann.value)], [['x'], 'List[int]', '[]']);
      const bare = stmt<AssignStmt>('x: int\n');
      assert.deepEqual([show(bare.annotation), bare.value], ['int', null]);
      const aug = stmt<AssignStmt>('self.num_batches_tracked += 1\n');
      assert.deepEqual([aug.targets.map(show), aug.op, show(aug.value)], [['self.num_batches_tracked'], '+=', '1']);
    });

    it('lowers tuple, star, subscript and attribute targets', () => {
      assert.equal(show(stmt<AssignStmt>('a, *b = x\n').targets[0]), 'tuple(a, *b)');
      assert.equal(show(stmt<AssignStmt>('(a, b), c = x\n').targets[0]), 'tuple(tuple(a, b), c)');
      assert.equal(show(stmt<AssignStmt>('[a, b] = x\n').targets[0]), '[a, b]');
      assert.equal(show(stmt<AssignStmt>('d[k].v = 1\n').targets[0]), 'd[k].v');
      assert.equal(show(stmt<AssignStmt>('x = 1, 2\n').value), 'tuple(1, 2)');
    });

    it('gives the statement span and keeps a long chain', () => {
      const src = '  # lead\nself.bn = nn.BatchNorm2d(64, momentum=0.1)  # tail\n';
      const a = stmt<AssignStmt>(src);
      assert.equal(text(src, a.span), 'self.bn = nn.BatchNorm2d(64, momentum=0.1)');
      const chain = Array.from({ length: 3000 }, (_, i) => `v${i}`).join(' = ') + ' = 0\n';
      const long = stmt<AssignStmt>(chain);
      assert.equal(long.targets.length, 3000);
      assert.equal(show(long.value), '0');
    });

    it('lowers an expression statement with several values as a tuple', () => {
      const src = 'a, f(b),\n';
      const s = stmt<ExprStmt>(src);
      assert.equal(show(s.value), 'tuple(a, f(b))');
      assert.equal(text(src, s.span), 'a, f(b),');
    });
  });

  describe('compound statements', () => {
    it('nests elif chains in orelse', () => {
      const src = 'if a:\n    x()\nelif b:\n    y()\nelif c:\n    pass\nelse:\n    z()\n';
      const s = stmt<IfStmt>(src);
      assert.equal(show(s.test), 'a');
      assert.equal(s.body.length, 1);
      const elif = s.orelse[0] as IfStmt;
      assert.equal(elif.k, 'if');
      assert.equal(show(elif.test), 'b');
      assert.equal(text(src, elif.span), src.slice(src.indexOf('elif b'), -1));
      const elif2 = elif.orelse[0] as IfStmt;
      assert.equal(show(elif2.test), 'c');
      assert.equal(show((elif2.orelse[0] as ExprStmt).value), 'z()');
    });

    it('lowers for (async too) and while with else', () => {
      const f = stmt<ForStmt>('for i, (a, b) in enumerate(xs):\n    pass\nelse:\n    done()\n');
      assert.deepEqual([show(f.target), show(f.iter), f.body.length, f.orelse.length, f.isAsync], ['tuple(i, tuple(a, b))', 'enumerate(xs)', 1, 1, false]);
      const af = stmt<FuncStmt>('async def f():\n    async for x in y:\n        pass\n').def.body[0] as ForStmt;
      assert.equal(af.isAsync, true);
      const w = stmt<WhileStmt>('while not done:\n    step()\nelse:\n    pass\n');
      assert.deepEqual([show(w.test), w.body.length, w.orelse.length], ['(not done)', 1, 1]);
    });

    it('lowers with items: several, parenthesized, `as` targets, async', () => {
      const w = stmt<WithStmt>('with torch.no_grad(), open(p) as f, ctx() as (a, b):\n    pass\n');
      assert.deepEqual(w.items.map((i) => [show(i.ctx), show(i.as)]), [['torch.no_grad()', 'null'], ['open(p)', 'f'], ['ctx()', 'tuple(a, b)']]);
      const p = stmt<WithStmt>('with (\n    open(a) as f,\n    open(b) as g,\n):\n    pass\n');
      assert.deepEqual(p.items.map((i) => [show(i.ctx), show(i.as)]), [['open(a)', 'f'], ['open(b)', 'g']]);
      const a = stmt<FuncStmt>('async def f():\n    async with lock:\n        pass\n').def.body[0] as WithStmt;
      assert.equal(a.isAsync, true);
    });

    it('lowers try/except/else/finally, except* and bare except', () => {
      const src = 'try:\n    a()\nexcept (A, B) as e:\n    pass\nexcept C:\n    pass\nexcept:\n    raise\nelse:\n    b()\nfinally:\n    c()\n';
      const t = stmt<TryStmt>(src);
      assert.equal(t.body.length, 1);
      assert.deepEqual(t.handlers.map((h) => [show(h.type), h.name]), [['tuple(A, B)', 'e'], ['C', null], ['null', null]]);
      assert.equal(text(src, t.handlers[1].span), 'except C:\n    pass');
      assert.deepEqual([t.orelse.length, t.finalbody.length], [1, 1]);
      assert.equal(show((t.finalbody[0] as ExprStmt).value), 'c()');
      const g = stmt<TryStmt>('try:\n    pass\nexcept* ValueError as eg:\n    pass\n');
      assert.deepEqual(g.handlers.map((h) => [show(h.type), h.name]), [['ValueError', 'eg']]);
    });

    it('lowers match statements as a block with one body per case', () => {
      const src = 'match cmd:\n    case [x, *rest] if check(x):\n        a()\n    case Point(x=0):\n        b()\n    case _:\n        pass\n';
      const m = stmt<BlockStmt>(src);
      assert.equal(m.k, 'block');
      assert.equal(m.kind, 'match_statement');
      assert.deepEqual(m.exprs.map(show), ['cmd', 'check(x)']);
      assert.deepEqual(m.bodies.map((b) => b.length), [1, 1, 1]);
    });

    it('lowers return, pass/break/continue, raise, del, global, nonlocal, assert', () => {
      const ir = parsePy('def f():\n    global g\n    nonlocal n\n    del a, b[0]\n    assert x, "msg"\n    raise E("x") from err\n    pass\n    return a, b\n');
      const body = (ir.body[0] as FuncStmt).def.body;
      const simple = body.slice(0, 6) as SimpleStmt[];
      assert.deepEqual(simple.map((s) => [s.kind, s.exprs.map(show)]), [
        ['global', ['g']],
        ['nonlocal', ['n']],
        ['del', ['a', 'b[0]']],
        ['assert', ['x', '"msg"']],
        ['raise', ['E("x")', 'err']],
        ['pass', []],
      ]);
      assert.equal(body[6].k, 'return');
      assert.equal(show((body[6] as Extract<Stmt, { k: 'return' }>).value), 'tuple(a, b)');
      const loop = stmt<WhileStmt>('while 1:\n    break\n    continue\n');
      assert.deepEqual(loop.body.map((s) => (s as SimpleStmt).kind), ['break', 'continue']);
      assert.equal(stmt<Extract<Stmt, { k: 'return' }>>('def f():\n    return\n').k, 'func');
      assert.equal((stmt<FuncStmt>('def f():\n    return\n').def.body[0] as Extract<Stmt, { k: 'return' }>).value, null);
    });

    it('lowers Python 2 print and exec statements as `other`, and py2 except/long literals', () => {
      const ir = parsePy('print "hi"\nprint >>sys.stderr, x,\nexec "code" in d\ntry:\n    pass\nexcept E, e:\n    pass\nx = 10L\n');
      assert.deepEqual(ir.errors, []);
      assert.deepEqual(ir.body.slice(0, 3).map((s) => [s.k, (s as SimpleStmt).kind, (s as SimpleStmt).exprs.map(show)]), [
        ['simple', 'other', ['"hi"']],
        ['simple', 'other', ['sys.stderr', 'x']],
        ['simple', 'other', ['"code"', 'd']],
      ]);
      assert.deepEqual((ir.body[3] as TryStmt).handlers.map((h) => [show(h.type), h.name]), [['E', 'e']]);
      assert.equal(show((ir.body[4] as AssignStmt).value), '10');
    });

    it('keeps nested expressions of other statements (type aliases)', () => {
      const s = stmt<SimpleStmt>('type Alias = dict[str, make()]\n');
      assert.deepEqual([s.k, s.kind, s.exprs.map(show)], ['simple', 'other', ['Alias', 'dict[tuple(str, make())]']]);
    });

    it('lowers annotations: generic types as subscripts, unions, strings, type parameters', () => {
      const src = 'def f(a: Optional[T] = None, b: Dict[str, List[int]] = {}, c: int | None = 1) -> "Fwd": pass\n';
      const f = stmt<FuncStmt>(src).def;
      assert.deepEqual(f.params.map((p) => show(p.annotation)), ['Optional[T]', 'Dict[tuple(str, List[int])]', '(int | None)']);
      assert.equal(text(src, f.params[1].annotation!.span), 'Dict[str, List[int]]');
      assert.equal(show(stmt<FuncStmt>('def g[T: int, *Ts](x: T): pass\n').def.params[0].annotation), 'T');
    });
  });

  describe('functions and classes', () => {
    it('lowers every kind of parameter', () => {
      const f = stmt<FuncStmt>('def f(a, b: int, c=1, d: float = 2.0, /, e=3, *args, f, g: int = 4, **kw): pass\n').def;
      assert.deepEqual(
        f.params.map((p) => [p.name, p.kind, show(p.default), show(p.annotation)]),
        [
          ['a', 'plain', 'null', 'null'],
          ['b', 'plain', 'null', 'int'],
          ['c', 'plain', '1', 'null'],
          ['d', 'plain', '2', 'float'],
          ['e', 'plain', '3', 'null'],
          ['args', 'varargs', 'null', 'null'],
          ['f', 'kwonly', 'null', 'null'],
          ['g', 'kwonly', '4', 'int'],
          ['kw', 'kwargs', 'null', 'null'],
        ],
      );
      const k = stmt<FuncStmt>('def g(self, *, affine=True, **kwargs: Any): pass\n').def;
      assert.deepEqual(k.params.map((p) => [p.name, p.kind, show(p.annotation)]), [
        ['self', 'plain', 'null'],
        ['affine', 'kwonly', 'null'],
        ['kwargs', 'kwargs', 'Any'],
      ]);
      const t = stmt<FuncStmt>('def h(*args: int, x): pass\n').def;
      assert.deepEqual(t.params.map((p) => [p.name, p.kind]), [['args', 'varargs'], ['x', 'kwonly']]);
    });

    it('attaches decorators, spans the decorators, and records header and body positions', () => {
      const src = 'class M(nn.Module):\n    @torch.no_grad()\n    @staticmethod\n    async def forward(self, x) -> Tensor:\n        """Doc."""\n        return self.bn(x)\n';
      const cls = stmt<ClassStmt>(src).def;
      const f = (cls.body[0] as FuncStmt).def;
      assert.deepEqual(f.decorators.map(show), ['torch.no_grad()', 'staticmethod']);
      assert.equal(f.name, 'forward');
      assert.equal(f.isAsync, true);
      assert.equal(text(src, f.span), src.slice(src.indexOf('@torch'), -1));
      assert.equal(text(src, cls.body[0].span), text(src, f.span));
      assert.equal(text(src, f.nameSpan), 'forward');
      assert.equal(text(src, f.headerSpan), 'async def forward(self, x) -> Tensor:');
      assert.equal(f.bodyStart, src.indexOf('"""Doc."""'));
      assert.equal(f.bodyIndent, '        ');
      assert.equal(f.body.length, 2);
    });

    it('uses the def indentation + 4 spaces for a one-line def, and tabs when the body uses them', () => {
      const src = 'class A:\n  def f(self): return 1\n';
      const f = (stmt<ClassStmt>(src).def.body[0] as FuncStmt).def;
      assert.equal(f.bodyStart, src.indexOf('return'));
      assert.equal(f.bodyIndent, '      ');
      const tabs = (stmt<ClassStmt>('class A:\n\tdef f(self):\n\t\t# comment\n\t\treturn 1\n').def.body[0] as FuncStmt).def;
      assert.equal(tabs.bodyIndent, '\t\t');
      const multiline = stmt<FuncStmt>('def f(\n    a,\n    b,\n):\n    pass\n').def;
      assert.equal(multiline.headerSpan.end, 'def f(\n    a,\n    b,\n):'.length);
    });

    it('lowers classes: bases, keywords, decorators, body', () => {
      const src = '@dataclass\nclass Net(nn.Module, Base, metaclass=Meta):\n    x = 1\n';
      const c = stmt<ClassStmt>(src).def;
      assert.deepEqual([c.name, c.bases.map(show), c.keywords.map((k) => `${k.name}=${show(k.value)}`), c.decorators.map(show)], [
        'Net',
        ['nn.Module', 'Base'],
        ['metaclass=Meta'],
        ['dataclass'],
      ]);
      assert.equal(c.span.start, 0);
      assert.equal(text(src, c.nameSpan), 'Net');
      assert.equal(c.body[0].k, 'assign');
    });

    it('lowers lambdas with their parameters', () => {
      assert.equal(show(expr('lambda x, *ys, k=1, **kw: f(x)\n')), 'lambda x, ys, k, kw: f(x)');
      assert.equal(show(expr('lambda: 0\n')), 'lambda : 0');
    });
  });

  describe('imports', () => {
    it('lowers one binding per imported name', () => {
      assert.deepEqual(
        imports('import torch.nn as nn, os.path\nfrom ..models import resnet as rn, vgg\nfrom . import utils\nfrom .a.b import (c,\n    d,)\nfrom x import *\nfrom __future__ import annotations\nimport a . b\n').map(
          ({ module, name, asname, level }) => [module, name, asname, level],
        ),
        [
          ['torch.nn', null, 'nn', 0],
          ['os.path', null, null, 0],
          ['models', 'resnet', 'rn', 2],
          ['models', 'vgg', null, 2],
          ['', 'utils', null, 1],
          ['a.b', 'c', null, 1],
          ['a.b', 'd', null, 1],
          ['x', '*', null, 0],
          ['__future__', 'annotations', null, 0],
          ['a.b', null, null, 0],
        ],
      );
    });

    it('gives every binding the statement span and its own binding span', () => {
      const src = 'import torch.nn as nn, os\n';
      const ir = parsePy(src);
      assert.deepEqual(ir.body.map((s) => text(src, s.span)), ['import torch.nn as nn, os', 'import torch.nn as nn, os']);
      assert.deepEqual(ir.body.map((s) => (s.k === 'import' ? text(src, s.imp.span) : '')), ['torch.nn as nn', 'os']);
    });
  });

  describe('expressions', () => {
    it('parses number literals', () => {
      const cases: [string, number][] = [['0.90', 0.9], ['1e-3', 0.001], ['1_000', 1000], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['.5', 0.5], ['1.', 1], ['1E+2', 100], ['0xffL', 255]];
      for (const [raw, value] of cases) {
        const src = `x = ${raw}\n`;
        const n = stmt<AssignStmt>(src).value;
        assert.deepEqual(n, { k: 'num', value, raw, span: { start: 4, end: 4 + raw.length } }, raw);
      }
      assert.equal(show(expr('2j\n')), '<integer>');
      assert.equal(show(expr('1.5e3J\n')), '<float>');
      assert.equal(show(expr('1e999\n')), '<float>');
      assert.equal(show(expr('[1if x else 2]\n')), '[(1 if x else 2)]');
    });

    it('decodes plain, raw, bytes, triple-quoted and concatenated strings', () => {
      const cases: [string, string][] = [
        [String.raw`'a\tb\n\\ \'q\' \x41\u00e9\U0001F600 \101 \N{DASH} \q'`, 'a\tb\n\\ \'q\' Aé😀 A \\N{DASH} \\q'],
        [String.raw`r'C:\path\n'`, String.raw`C:\path\n`],
        [String.raw`b'\x00\u1234'`, '\x00\\u1234'],
        [`"""line1\nline2 \\\nline3"""`, 'line1\nline2 line3'],
        [`'''a'b''c'''`, "a'b''c"],
        [`U"x" 'y' R'\\z'`, 'xy\\z'],
        [`''`, ''],
        [`"a\\""`, 'a"'],
      ];
      for (const [lit, value] of cases) {
        const src = `s = ${lit}\n`;
        const s = stmt<AssignStmt>(src).value!;
        assert.equal(s.k, 'str', lit);
        assert.equal(s.k === 'str' && s.value, value, lit);
        assert.equal(text(src, s.span), lit);
      }
    });

    it('lowers f-strings as `other` with the interpolated expressions', () => {
      const src = 's = f"{self.name!r:>{width}} {x + 1=}" "tail" rf\'{y}\'\n';
      const s = stmt<AssignStmt>(src).value as OtherExpr;
      assert.equal(show(s), '<concatenated_string self.name width (x + 1) y>');
      assert.equal(text(src, s.span), src.slice(4, -1));
      assert.equal(show(expr('f"plain"\n')), '<string>');
    });

    it('lowers constants, operators, comparisons and boolean operators', () => {
      assert.equal(show(expr('[True, False, None]\n')), '[True, False, None]');
      assert.equal(show(expr('a + b * c ** -d // e @ f\n')), '(a + (((b * (c ** (- d))) // e) @ f))');
      assert.equal(show(expr('a + b * c\n')), '(a + (b * c))');
      assert.equal(show(expr('x << 1 | y & ~z\n')), '((x << 1) | (y & (~ z)))');
      assert.equal(show(expr('not a and b or c\n')), '(((not a) and b) or c)');
      assert.equal(show(expr('a < b <= c == d != e > f >= g\n')), '(a < b <= c == d != e > f >= g)');
      assert.equal(show(expr('x is not None and y not in z and w is v and u in t\n')), '((((x is not None) and (y not in z)) and (w is v)) and (u in t))');
      const src = 'x  is   not\ty\n';
      const cmp = expr<Extract<Expr, { k: 'compare' }>>(src);
      assert.deepEqual(cmp.ops, ['is not']);
      assert.equal(text(src, cmp.span), 'x  is   not\ty');
    });

    it('lowers containers, subscripts, slices and conditionals', () => {
      assert.equal(show(expr('[a, *b, (c)]\n')), '[a, *b, c]');
      assert.equal(show(expr('(a, b)\n')), 'tuple(a, b)');
      assert.equal(show(expr('()\n')), 'tuple()');
      assert.equal(show(expr('(a,)\n')), 'tuple(a)');
      assert.equal(show(expr('{a, b}\n')), '{a, b}');
      assert.equal(show(expr('{"k": v, **rest, 1: f()}\n')), '{"k": v, **rest, 1: f()}');
      assert.equal(show(expr('x[0]\n')), 'x[0]');
      assert.equal(show(expr('x[i, j]\n')), 'x[tuple(i, j)]');
      assert.equal(show(expr('x[1:n, ::2]\n')), 'x[tuple(<slice 1 n>, <slice 2>)]');
      assert.equal(show(expr('a if cond() else b\n')), '(a if cond() else b)');
      assert.equal(show(expr('((((a))))\n')), 'a');
    });

    it('lowers comprehensions, await, yield, walrus and ellipsis as `other` with parts', () => {
      assert.equal(show(expr('[f(x) for x in xs if g(x) for y in h(x)]\n')), '<list_comprehension f(x) xs g(x) h(x)>');
      assert.equal(show(expr('{k: v(k) for k in ks}\n')), '<dictionary_comprehension k v(k) ks>');
      assert.equal(show(expr('{x for x in s}\n')), '<set_comprehension x s>');
      assert.equal(show(expr('(x for x in s)\n')), '<generator_expression x s>');
      assert.equal(show(expr('...\n')), '<ellipsis>');
      assert.equal(show(expr('(y := f(x))\n')), '<named_expression y f(x)>');
      const fn = stmt<FuncStmt>('async def f():\n    await g(1)\n    yield from h()\n    x = yield a, b\n').def;
      assert.deepEqual(fn.body.map((s) => (s.k === 'expr' ? show(s.value) : s.k === 'assign' ? show(s.value) : s.k)), [
        '<await g(1)>',
        '<yield h()>',
        '<yield tuple(a, b)>',
      ]);
    });

    it('skips comments and line continuations everywhere', () => {
      const src = 'x = (a +  # one\n     b) \\\n    * c\nf(  # open\n  a,  # first\n  # alone\n  b  # last\n)\n';
      const ir = parsePy(src);
      assert.deepEqual(ir.errors, []);
      assert.equal(show((ir.body[0] as AssignStmt).value), '((a + b) * c)');
      assert.equal(text(src, ir.body[0].span), 'x = (a +  # one\n     b) \\\n    * c');
      assert.equal(show((ir.body[1] as ExprStmt).value), 'f(a, b)');
    });
  });

  describe('offsets', () => {
    it('uses UTF-16 offsets after CJK text and emoji', () => {
      const src = 's = "中文 😀😀"  # 注释 🚀\nx = model.eval()\n';
      const ir = parsePy(src);
      const a = ir.body[1] as AssignStmt;
      assert.equal(text(src, a.span), 'x = model.eval()');
      assert.equal(text(src, (a.value as CallExpr).fn.span), 'model.eval');
      assert.equal((ir.body[0] as AssignStmt).value?.k === 'str' && ((ir.body[0] as AssignStmt).value as { value: string }).value, '中文 😀😀');
    });

    it('handles non-ASCII identifiers', () => {
      const src = 'π = 3.14\nnet.层.bn_é(x)\n';
      const ir = parsePy(src);
      assert.deepEqual(ir.errors, []);
      assert.equal(show((ir.body[0] as AssignStmt).targets[0]), 'π');
      const call = (ir.body[1] as ExprStmt).value as CallExpr;
      assert.equal(show(call), 'net.层.bn_é(x)');
      assert.equal(text(src, (call.fn as AttrExpr).attrSpan), 'bn_é');
      assert.equal(text(src, ((call.fn as AttrExpr).obj as AttrExpr).attrSpan), '层');
    });

    it('handles CRLF line endings', () => {
      const src = 'if x:\r\n    y = f(a,\r\n          b)\r\n';
      const s = stmt<IfStmt>(src);
      assert.equal(text(src, s.body[0].span), 'y = f(a,\r\n          b)');
    });
  });

  describe('syntax errors', () => {
    it('lowers the valid statements after an error and reports its span', () => {
      const src = 'def f(:\n  pass\nx = model.eval()\n';
      const ir = parsePy(src);
      assert.ok(ir.errors.length > 0);
      const last = ir.body[ir.body.length - 1] as AssignStmt;
      assert.equal(last.k, 'assign');
      assert.equal(show(last.value), 'model.eval()');
      assert.equal(text(src, last.span), 'x = model.eval()');
    });

    it('does not lower statements inside ERROR nodes but keeps their siblings', () => {
      const src = 'a = 1\nif x:\n  foo(\n  bar()\ny = 1\n';
      const ir = parsePy(src);
      assert.ok(ir.errors.some((e) => text(src, e).includes('bar()')));
      assert.equal(show((ir.body[0] as AssignStmt).value), '1');
      assert.ok(!allExprs(ir).some((e) => e.k === 'name' && e.id === 'bar'));
    });

    it('reports MISSING nodes and lowers around ERROR children of expressions', () => {
      const src = 'x = f(a, b c)\ny = g(\n';
      const ir = parsePy(src);
      assert.ok(ir.errors.length > 0);
      for (const e of ir.errors) assert.ok(e.start <= e.end && e.end <= src.length);
      assert.ok(allExprs(ir).some((e) => e.k === 'name' && e.id === 'a'));
    });

    it('never throws on garbage, empty or unusual text', () => {
      const inputs = ['', '\n', ')))', '"""', "'", 'def', '@', 'x = \\', '\0\0', '\ud800', 'if:\n\telse:', 'class (:', 'lambda: (yield)', '\ufeffx = 1', 'f(**)', 'a[::]', '\t\t  \n  x'];
      for (const src of inputs) {
        const ir = parsePy(src);
        assert.doesNotThrow(() => JSON.stringify(ir), JSON.stringify(src));
      }
    });
  });

  describe('deep nesting', () => {
    it('survives 5,000 nested parentheses, lowering the deepest levels as `other` without parts', () => {
      const src = 'x = ' + '('.repeat(5000) + 'f(1)' + ')'.repeat(5000) + '\ny = 2\n';
      const ir = parsePy(src);
      assert.deepEqual(ir.errors, []);
      assert.equal(ir.body.length, 2);
      const x = (ir.body[0] as AssignStmt).value as OtherExpr;
      assert.deepEqual([x.k, x.kind, x.parts], ['other', 'parenthesized_expression', []]);
      assert.equal(show((ir.body[1] as AssignStmt).value), '2');
    });

    it('survives deeply nested calls, lists and operator chains', () => {
      for (const src of [
        'x = ' + 'f('.repeat(3000) + ')'.repeat(3000) + '\n',
        'x = ' + '['.repeat(5000) + ']'.repeat(5000) + '\n',
        'x = ' + Array.from({ length: 20000 }, () => 'a').join(' + ') + '\n',
        'x = ' + 'not '.repeat(5000) + 'a\n',
        'x = ' + 'a.'.repeat(5000) + 'b\n',
        'x = ' + 'lambda: '.repeat(2000) + '0\n',
      ]) {
        const ir = parsePy(src);
        assert.equal(ir.body[0].k, 'assign', src.slice(0, 20));
        assert.ok(allExprs(ir).some((e) => e.k === 'other' && e.parts.length === 0), src.slice(0, 20));
        JSON.stringify(ir);
      }
      const chain = parsePy('x = ' + 'a.'.repeat(5000) + 'b\n').body[0] as AssignStmt;
      assert.equal(chain.value?.k, 'attr');
    });

    it('cuts 500 nested ifs at the depth limit and survives 1,000 (which tree-sitter rejects)', () => {
      const nested = (n: number): string =>
        Array.from({ length: n }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(n) + 'pass\ny = 2\n';
      const ir = parsePy(nested(500));
      assert.deepEqual(ir.errors, []);
      let s: Stmt = ir.body[0];
      let levels = 0;
      while (s.k === 'if') {
        s = s.body[0];
        levels++;
      }
      assert.ok(levels > 100 && levels < 500, `${levels}`);
      assert.deepEqual([s.k, s.k === 'simple' && s.kind, s.k === 'simple' && s.exprs], ['simple', 'other', []]);
      assert.equal(show((ir.body[1] as AssignStmt).value), '2');
      assert.doesNotThrow(() => JSON.stringify(parsePy(nested(1000))));
    });
  });

  it('produces plain JSON data', () => {
    const src = '@d\ndef f(a=1, *b, **c):\n    return [x async for x in y] or {**z}\nclass C(B): pass\nimport a\n';
    const ir = parsePy(src);
    assert.deepEqual(JSON.parse(JSON.stringify(ir)), ir);
  });
});

describe('initTreeSitter', () => {
  it('loads once and hands back the same parser', async () => {
    const a = await initTreeSitter(loadGrammars());
    const b = await initTreeSitter(loadGrammars());
    assert.equal(a, b);
    assert.equal(a.language.name, 'python');
  });

  it('parses with UTF-16 offsets and re-parses incrementally', async () => {
    const parser = await initTreeSitter(loadGrammars());
    const before = 's = "😀"\nx = 1\n';
    const old = parser.parse(before);
    assert.equal(old.rootNode.child(1)!.startIndex, before.indexOf('x'));
    const after = 's = "😀"\nx = 10\n';
    const at = before.indexOf('1') + 1;
    old.edit(
      new Edit({
        startIndex: at,
        oldEndIndex: at,
        newEndIndex: at + 1,
        startPosition: { row: 1, column: 5 },
        oldEndPosition: { row: 1, column: 5 },
        newEndPosition: { row: 1, column: 6 },
      }),
    );
    const tree = parser.parse(after, old);
    assert.equal(tree.rootNode.child(1)!.text, 'x = 10');
    tree.delete();
    old.delete();
  });
});
