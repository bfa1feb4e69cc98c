/**
 * The model survives its own bugs: an exception while analyzing one body is recorded as an
 * internal error and the rest of the project is still analyzed.
 */
import assert from 'node:assert/strict';
import { ProjectIndex } from '../../linter/src/model/python/project';
import { PyTorchModel } from '../../linter/src/model/python/interp';
import { testEngine } from '../helpers/project';

describe('model: internal errors', () => {
  it('drops the failing body, records the error and analyzes the others', async () => {
    const engine = await testEngine();
    const src = 'import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0.9)\n';
    const files = ['a.py', 'b.py'].map((p) => engine.analyze({ path: p, text: src }));
    const index = new ProjectIndex(files.map((f) => ({ path: f.path, ir: f.ir! })));
    const model = new PyTorchModel(index, { assumeUnknownModulesNormalize: false });
    const env = (model as unknown as { moduleEnv: (f: { path: string }) => unknown }).moduleEnv.bind(model);
    (model as unknown as { moduleEnv: (f: { path: string }) => unknown }).moduleEnv = (f) => {
      if (f.path === 'a.py') throw new Error('boom');
      return env(f);
    };
    model.run();
    assert.equal(model.internalErrors.length, 1);
    assert.match(model.internalErrors[0], /^a\.py: Error: boom/);
    assert.deepEqual(model.layers.map((l) => l.site!.file.path), ['b.py']);
  });
});
