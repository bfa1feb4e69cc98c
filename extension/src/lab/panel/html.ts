/**
 * The BN Lab page as an HTML document. Dependency-free (no DOM, no TensorFlow.js) so that the
 * extension host and the `normlint lab` CLI can import it cheaply.
 */

/** Inputs of {@link labHtml}. */
export interface LabHtmlOptions {
  /** URL of the panel bundle (`dist/lab/panel.js`): a webview URI, or a relative URL for the standalone page. */
  readonly scriptUri: string;
  /** URL of the panel stylesheet (`dist/lab/panel.css`). */
  readonly styleUri: string;
  /**
   * Source allowed for styles, images and fonts in the Content-Security-Policy: VS Code's
   * `webview.cspSource`, or `'self'` for a page served over HTTP.
   */
  readonly cspSource: string;
  /** A fresh random nonce (base64 or alphanumeric) for the script tag. */
  readonly nonce: string;
  /** `true` when no VS Code host is around (the page shows editable fields and no "Go to code"). */
  readonly standalone: boolean;
}

/** Escapes a string for an HTML attribute value or text. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Renders the full BN Lab HTML document with a strict Content-Security-Policy: nothing by default;
 * the one script by nonce; styles, images (plus `data:`) and fonts from `cspSource` only. uPlot
 * styles its elements through the CSSOM (`element.style`), which this policy allows, so no
 * `'unsafe-inline'` is needed. TensorFlow.js's WebGL backend needs neither `eval` nor workers.
 *
 * The page body is a skeleton the script fills in; without the script it says that it is loading.
 */
export function labHtml(options: LabHtmlOptions): string {
  const src = escapeHtml(options.cspSource);
  const nonce = escapeHtml(options.nonce);
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${src}`,
    `img-src ${src} data:`,
    `font-src ${src}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>BN Lab</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
</head>
<body class="${options.standalone ? 'standalone' : 'in-vscode'}" data-standalone="${options.standalone ? 'true' : 'false'}">
<main id="bnlab" aria-busy="true"><p class="loading">BN Lab is loading…</p></main>
<script nonce="${nonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}
