/**
 * BN Lab in VS Code: a webview view in its own activity-bar container. The page is the bundle
 * built into `dist/lab/` (`extension/src/lab/panel/`); this side sets a strict
 * Content-Security-Policy (`default-src 'none'`, one nonce for the script, local resources only
 * through `asWebviewUri`), hands the page the layer to simulate and answers its messages.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { labHtml } from './panel/html';
import { isPanelMessage, type HostMessage, type LayerInfo, type LayerSource } from './messages';

/** The view's id (`contributes.views`). */
export const BN_LAB_VIEW = 'normlint.bnLab';

export class BnLabViewProvider implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  /** The last layer shown: re-sent when the page is (re)created. */
  private last: HostMessage | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const labDir = vscode.Uri.joinPath(this.extensionUri, 'dist', 'lab');
    view.webview.options = { enableScripts: true, localResourceRoots: [labDir] };
    view.webview.html = labHtml({
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(labDir, 'panel.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(labDir, 'panel.css')).toString(),
      cspSource: view.webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      standalone: false,
    });
    view.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m));
    view.onDidDispose(() => {
      this.view = undefined;
      this.ready = false;
    });
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isPanelMessage(m)) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.last) await this.view?.webview.postMessage(this.last);
        return;
      case 'reveal': {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(m.source.uri));
        const pos = new vscode.Position(m.source.line, 0);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
        return;
      }
      case 'log':
        this.log[m.level](`BN Lab: ${m.message}`);
        return;
    }
  }

  /** Opens the view (focusing it) and shows `layer` (null: keep the page's current, editable layer). */
  async show(layer: LayerInfo | null, source: LayerSource | null): Promise<void> {
    const msg: HostMessage = { type: 'layer', layer, source };
    if (layer) this.last = msg;
    if (!this.view) await vscode.commands.executeCommand(`${BN_LAB_VIEW}.focus`);
    else this.view.show(true);
    if (this.view && this.ready) await this.view.webview.postMessage(msg);
  }
}
