/**
 * Lookups in the known-factories tables: what a torchvision or timm model carries
 * (`torch-factories.json`), and what a `keras.applications` model carries
 * (`keras-applications.json`). Every entry of the tables names its source.
 */
import table from './torch-factories.json';
import kerasTable from './keras-applications.json';

interface Entry { match: string; batchnorm: boolean; dropout: boolean; source: string }

const compile = (entries: Entry[]): Array<Entry & { re: RegExp }> => entries.map((e) => ({ ...e, re: new RegExp(e.match) }));
const TORCHVISION = compile(table.torchvision);
const TIMM = compile(table.timm);

/** Normalizes `torchvision.models.resnet.resnet50` to `torchvision.models.resnet50`. */
function shortTorchvision(q: string): string {
  const m = /^torchvision\.models\.(detection\.|segmentation\.|video\.|quantization\.)?(?:[a-z_0-9]+\.)?([A-Za-z_0-9]+)$/.exec(q);
  if (!m) return q;
  return `torchvision.models.${m[1] ?? ''}${m[2]}`;
}

/**
 * What a torchvision factory's result carries; `null` for a torchvision callable not in the
 * table (unknown), `undefined` when `q` is not a model factory at all (e.g. a weights enum).
 */
export function factoryCarry(q: string): { batchnorm: boolean; dropout: boolean } | null | undefined {
  const candidates = [q, shortTorchvision(q)];
  for (const c of candidates) {
    for (const e of TORCHVISION) if (e.re.test(c)) return { batchnorm: e.batchnorm, dropout: e.dropout };
  }
  const last = q.slice(q.lastIndexOf('.') + 1);
  if (/^[a-z][a-z0-9_]*$/.test(last) && !/weights|transforms|get_model_weights|list_models/.test(q)) return null;
  return undefined;
}

/**
 * The factory a torchvision model name stands for, as `torchvision.models.get_model(name)`
 * (torchvision ≥ 0.14: one registry of unique names across the classification, detection,
 * segmentation and video packages) and `torch.hub.load("pytorch/vision", name)`
 * (the hubconf re-exports the same factories) resolve it; null when the table does not know it.
 */
export function torchvisionFactoryByName(name: string): string | null {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) return null;
  for (const pkg of ['', 'detection.', 'segmentation.', 'video.']) {
    const q = `torchvision.models.${pkg}${name}`;
    if (factoryCarry(q)) return q;
  }
  return null;
}

/** What `timm.create_model(name)` carries, by model name; `null` when the family is unknown. */
export function timmCarry(name: string): { batchnorm: boolean; dropout: boolean } | null {
  const bare = name.replace(/^(timm|hf[-_]hub):/, '').replace(/^.*\//, '');
  for (const e of TIMM) if (e.re.test(bare)) return { batchnorm: e.batchnorm, dropout: e.dropout };
  return null;
}

interface KerasEntry { match: string; batchnorm: boolean; dropout: boolean; source: string }
const KERAS_APPLICATIONS = compile((kerasTable as { applications: KerasEntry[] }).applications);

/**
 * What a `keras.applications` constructor's model carries (canonical name,
 * `keras.applications.ResNet50`); `null` for another capitalized `keras.applications` name
 * (unknown), `undefined` when `q` is not a constructor (`preprocess_input`, a submodule).
 */
export function kerasApplicationCarry(q: string): { batchnorm: boolean; dropout: boolean } | null | undefined {
  if (!q.startsWith('keras.applications.')) return undefined;
  for (const e of KERAS_APPLICATIONS) if (e.re.test(q)) return { batchnorm: e.batchnorm, dropout: e.dropout };
  const last = q.slice(q.lastIndexOf('.') + 1);
  return /^[A-Z]/.test(last) && q.split('.').length === 3 ? null : undefined;
}
