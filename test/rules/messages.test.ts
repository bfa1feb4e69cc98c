/**
 * What the findings of some fixtures say: messages and related locations that name things as
 * the user's code does (fixtures check only codes, lines and fixed files).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { lintFiles, readFixture } from '../helpers/project';

const RULES = path.join(__dirname, '..', '..', 'linter', 'src', 'rules');

/** The findings of a rule's fixture with their 1-based lines. */
async function fixture(rule: string, name: string) {
  const files = readFixture(path.join(RULES, rule, 'fixtures', name));
  const text = files[name];
  const line = (offset: number): number => text.slice(0, offset).split('\n').length;
  return (await lintFiles(files)).map((d) => ({ ...d, line: line(d.span.start), relatedLines: (d.related ?? []).map((r) => [line(r.span.start), r.message]) }));
}

describe('rule messages', () => {
  it('NL002 (TensorFlow.js): a model held by `this` is named `this.online`, as written', async () => {
    const [d] = await fixture('missing-train', 'tfjs_agent_class.js');
    assert.match(d.message, /^`this\.online` is called without `training: true`/);
  });

  it('NL002 (Keras): a model with its own flag is told to pass that flag', async () => {
    const [d] = await fixture('missing-train', 'keras_own_training_flag.py');
    assert.match(d.message, /`net` is called without `is_training=True`.*; pass `is_training=True`$/);
  });

  it('NL001 through a helper: reported at the call, with the forward pass in the helper as related location', async () => {
    const [d] = await fixture('missing-eval', 'helper_under_no_grad.py');
    assert.equal(d.line, 50);
    assert.deepEqual(d.relatedLines.find(([, m]) => m === 'the forward pass this call runs'), [23, 'the forward pass this call runs']);
  });

  it('NL001: the message names what turned autograd off (inference_mode, set_grad_enabled, the decorator)', async () => {
    const found = await fixture('missing-eval', 'grad_off_contexts.py');
    const why = (line: number): string => found.find((d) => d.line === line)!.message.match(/runs for inference \(([^)]*\)?[^)]*)\)/)![1];
    assert.equal(why(9), 'inside `torch.inference_mode()`');
    assert.equal(why(11), 'with `torch.set_grad_enabled(False)`');
    assert.equal(why(16), 'in a `@torch.inference_mode()` function');
  });

  it('NL003: a bias parameter no call passes is named in the message', async () => {
    const [d] = await fixture('bias-before-norm', 'bias_parameter.py');
    assert.match(d.message, /\(its `bias` parameter defaults to True and no call in the project passes it\)$/);
    assert.match(d.fix!.title, /^Default `bias` to False/);
  });

  it('NL010: the frozen part is named from the `.train()` receiver in each function', async () => {
    const ds = await fixture('frozen-bn-still-updating', 'helper_names.py');
    assert.deepEqual(ds.map((d) => d.message.match(/frozen BatchNorm layers of `([^`]+)`/)?.[1]), ['net.backbone', 'model.backbone']);
  });
});
