/**
 * JUnit XML output (`--output-format junit`) for CI systems that show test reports (GitLab's
 * `artifacts:reports:junit`, Jenkins, Azure Pipelines...), shaped like Ruff's:
 *
 * ```xml
 * <?xml version="1.0" encoding="UTF-8"?>
 * <testsuites name="normlint" tests="1" failures="1" errors="0">
 *     <testsuite name="cifar/evaluate.py" tests="1" disabled="0" errors="0" failures="1" package="org.normlint">
 *         <testcase name="org.normlint.NL001" classname="cifar/evaluate" line="49" column="23">
 *             <failure message="`model` runs for inference ...">line 49, col 23, `model` runs for inference ...</failure>
 *         </testcase>
 *     </testsuite>
 * </testsuites>
 * ```
 *
 * One test suite per file (named by its display path), one failing test case per finding
 * (`classname` is the path without its extension). A run without findings has one suite
 * `normlint` with one passing test case `No errors found`, as in Ruff. Rows are 1-based and
 * columns count code points, as in the other formats. Text is escaped for XML 1.0; characters
 * XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF) become U+FFFD.
 */
import type { ReportInput, ReportItem } from './common';

/** Characters outside XML 1.0's `Char` production (lone surrogates included). */
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escape text content (`\r` kept as a reference, or parsers turn it into `\n`). */
export function xmlText(s: string): string {
  return s
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escape an attribute value in double quotes (whitespace kept as references, or parsers normalize it to spaces). */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function attrs(pairs: Array<[string, string | number]>): string {
  return pairs.map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join('');
}

/** `dir/name.py` → `dir/name` (Ruff's classname: the path without its extension). */
function className(display: string): string {
  const slash = display.lastIndexOf('/');
  const dot = display.lastIndexOf('.');
  return dot > slash + 1 ? display.slice(0, dot) : display;
}

/** Render JUnit XML (4-space indentation, final newline). */
export function renderJunit(input: ReportInput): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const n = input.items.length;
  out.push(`<testsuites${attrs([['name', 'normlint'], ['tests', Math.max(n, 1)], ['failures', n], ['errors', 0]])}>`);
  if (n === 0) {
    out.push(`    <testsuite${attrs([['name', 'normlint'], ['tests', 1], ['disabled', 0], ['errors', 0], ['failures', 0], ['package', 'org.normlint']])}>`);
    out.push(`        <testcase${attrs([['name', 'No errors found'], ['classname', 'normlint']])}/>`);
    out.push('    </testsuite>');
  } else {
    // Items are sorted by display path: consecutive items of one file form its suite.
    const suites: ReportItem[][] = [];
    for (const item of input.items) {
      const last = suites[suites.length - 1];
      if (last && last[0].file.display === item.file.display) last.push(item);
      else suites.push([item]);
    }
    for (const suite of suites) {
      const display = suite[0].file.display;
      out.push(
        `    <testsuite${attrs([['name', display], ['tests', suite.length], ['disabled', 0], ['errors', 0], ['failures', suite.length], ['package', 'org.normlint']])}>`,
      );
      for (const { diag, file } of suite) {
        // Attributes: the line of the file as stored (the .ipynb JSON for a notebook); the text
        // says where a user finds it (the cell and its line in a notebook).
        const { start } = file.locateInFile(diag.span);
        const seen = file.locate(diag.span);
        const where = `${seen.cell === null ? '' : `cell ${seen.cell}, `}line ${seen.start.row}, col ${seen.start.column}`;
        out.push(
          `        <testcase${attrs([['name', `org.normlint.${diag.code}`], ['classname', className(display)], ['line', start.row], ['column', start.column]])}>`,
        );
        out.push(`            <failure${attrs([['message', diag.message]])}>${xmlText(`${where}, ${diag.message}`)}</failure>`);
        out.push('        </testcase>');
      }
      out.push('    </testsuite>');
    }
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
