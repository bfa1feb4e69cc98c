/**
 * SARIF checks for tests: validation against the official SARIF 2.1.0 schema, and the
 * constraints GitHub code scanning documents ("SARIF support for code scanning" and its upload
 * limits) for third-party SARIF files.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const REPO = path.resolve(__dirname, '../..');
let validator: ValidateFunction | null = null;

/** A validator for the official SARIF 2.1.0 schema (from @microsoft/jest-sarif). */
export function sarifValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // The official schema declares draft-04, whose only construct it uses that draft-07 spells
  // differently is the top-level `id`: validate it as draft-07.
  schema.$id = schema.id;
  delete schema.id;
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's `language` pattern is not valid with the u flag
  addFormats(ajv);
  return (validator = ajv.compile(schema));
}

/** Assert that `log` validates against the SARIF 2.1.0 schema. */
export function assertValidSarif(log: unknown): void {
  const validate = sarifValidator();
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
}

/** GitHub code scanning's documented limits and requirements for uploaded SARIF. */
export const GITHUB_LIMITS = {
  fileBytes: 10 * 1024 * 1024,
  runsPerFile: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  locationsPerResult: 1_000,
  tagsPerRule: 20,
  descriptionChars: 1024,
};

/**
 * Assert what GitHub code scanning requires of a third-party SARIF file (`raw`: the file's
 * text), as documented in "SARIF support for code scanning": version 2.1.0; per rule an `id`,
 * `shortDescription.text`/`fullDescription.text` (at most 1024 characters), `help.text`,
 * `helpUri`, a valid `defaultConfiguration.level`, `properties.tags` (at most 20 strings),
 * `precision` and `problem.severity` from their documented values, and no `security-severity`
 * without the `security` tag; per result a known `ruleId` (and matching `ruleIndex`), a
 * message, 1 to 1000 locations with a repository-relative `uri` (relative to `%SRCROOT%`,
 * declared in `originalUriBaseIds`) and a 1-based region, `partialFingerprints` (our own key,
 * not `primaryLocationLineHash`, which `upload-sarif` computes), and related locations that the
 * message links to (GitHub shows them only then); and the upload limits.
 */
export function assertGithubCodeScanning(raw: string): void {
  assert.ok(Buffer.byteLength(raw) <= GITHUB_LIMITS.fileBytes, 'SARIF upload limit: 10 MB');
  const log = JSON.parse(raw);
  assert.equal(log.version, '2.1.0');
  assert.ok(Array.isArray(log.runs) && log.runs.length >= 1 && log.runs.length <= GITHUB_LIMITS.runsPerFile);
  for (const run of log.runs) {
    const driver = run.tool?.driver;
    assert.equal(typeof driver?.name, 'string');
    const rules: any[] = driver.rules;
    assert.ok(Array.isArray(rules) && rules.length <= GITHUB_LIMITS.rulesPerRun);
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length, 'rule ids are unique');
    for (const r of rules) {
      const where = `rule ${r.id}`;
      assert.equal(typeof r.id, 'string', where);
      for (const key of ['shortDescription', 'fullDescription'] as const) {
        assert.equal(typeof r[key]?.text, 'string', `${where}: ${key}.text`);
        assert.ok(r[key].text.length > 0 && r[key].text.length <= GITHUB_LIMITS.descriptionChars, `${where}: ${key}.text length`);
      }
      assert.ok(typeof r.help?.text === 'string' && r.help.text.length > 0, `${where}: help.text`);
      if (r.help.markdown !== undefined) assert.equal(typeof r.help.markdown, 'string', `${where}: help.markdown`);
      assert.match(r.helpUri, /^https:\/\//, `${where}: helpUri`);
      assert.ok(['none', 'note', 'warning', 'error'].includes(r.defaultConfiguration?.level), `${where}: defaultConfiguration.level`);
      const props = r.properties ?? {};
      const tags: unknown[] = props.tags ?? [];
      assert.ok(Array.isArray(tags) && tags.length <= GITHUB_LIMITS.tagsPerRule, `${where}: tags`);
      assert.ok(tags.every((t) => typeof t === 'string' && t.length > 0), `${where}: tags are strings`);
      assert.equal(new Set(tags).size, tags.length, `${where}: tags are distinct`);
      if (props.precision !== undefined) assert.ok(['very-high', 'high', 'medium', 'low'].includes(props.precision), `${where}: precision`);
      if (props['problem.severity'] !== undefined) {
        assert.ok(['error', 'warning', 'recommendation'].includes(props['problem.severity']), `${where}: problem.severity`);
      }
      if (!tags.includes('security')) assert.equal(props['security-severity'], undefined, `${where}: security-severity only with the security tag`);
    }
    const srcroot = run.originalUriBaseIds?.['%SRCROOT%']?.uri;
    const results: any[] = run.results;
    assert.ok(Array.isArray(results) && results.length <= GITHUB_LIMITS.resultsPerRun);
    for (const res of results) {
      const where = `result ${res.ruleId} ${JSON.stringify(res.message?.text)}`;
      const idx = rules.findIndex((r) => r.id === res.ruleId);
      assert.ok(idx >= 0, `${where}: ruleId is a rule of the driver`);
      if (res.ruleIndex !== undefined) assert.equal(res.ruleIndex, idx, `${where}: ruleIndex`);
      if (res.level !== undefined) assert.ok(['none', 'note', 'warning', 'error'].includes(res.level), `${where}: level`);
      assert.ok(typeof res.message?.text === 'string' && res.message.text.length > 0, `${where}: message.text`);
      assert.ok(Array.isArray(res.locations) && res.locations.length >= 1 && res.locations.length <= GITHUB_LIMITS.locationsPerResult, `${where}: locations`);
      for (const loc of [...res.locations, ...(res.relatedLocations ?? [])]) {
        const art = loc.physicalLocation?.artifactLocation;
        assert.equal(typeof art?.uri, 'string', `${where}: artifactLocation.uri`);
        if (art.uriBaseId !== undefined) {
          assert.equal(art.uriBaseId, '%SRCROOT%', `${where}: uriBaseId`);
          assert.doesNotMatch(art.uri, /^[a-z][a-z0-9+.-]*:|^\//i, `${where}: a uri relative to %SRCROOT% is a relative path`);
          assert.match(srcroot, /^file:\/\/.*\/$/, 'originalUriBaseIds declares %SRCROOT% as a directory URI');
        }
        const region = loc.physicalLocation.region;
        assert.ok(Number.isInteger(region?.startLine) && region.startLine >= 1, `${where}: region.startLine`);
      }
      const fp = res.partialFingerprints;
      assert.equal(typeof fp, 'object', `${where}: partialFingerprints`);
      assert.ok(Object.values(fp).every((v) => typeof v === 'string' && v.length > 0), `${where}: fingerprints are strings`);
      assert.equal(typeof fp['normlint/v1'], 'string', `${where}: normlint's fingerprint`);
      assert.equal(fp.primaryLocationLineHash, undefined, `${where}: primaryLocationLineHash is left to upload-sarif`);
      for (const rel of res.relatedLocations ?? []) {
        assert.ok(res.message.text.includes(`](${rel.id})`), `${where}: the message links related location ${rel.id}`);
      }
    }
  }
}
