/**
 * The normlint VS Code extension: a thin `vscode-languageclient` client for the normlint
 * language server (`dist/server.js`, forked over IPC with VS Code's own Node), plus a status bar
 * item and three commands. All analysis, fixes, hovers and code lenses come from the server.
 */
import * as vscode from 'vscode';
import { LanguageClient, RevealOutputChannelOn, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { Commands, LAYER_AT_REQUEST, STATUS_NOTIFICATION, type SimulateLayerArgs, type StatusParams } from '../../server/src/protocol';
import { BN_LAB_VIEW, BnLabViewProvider } from './lab/view';

let client: LanguageClient | null = null;
let status: vscode.StatusBarItem | null = null;

function renderStatus(p: StatusParams): void {
  if (!status) return;
  if (p.state === 'disabled') {
    status.text = '$(circle-slash) normlint';
    status.tooltip = 'normlint is disabled (normlint.enable)';
  } else if (p.state === 'indexing') {
    status.text = '$(sync~spin) normlint';
    status.tooltip = `normlint: analyzing ${p.files} Python files…`;
  } else {
    status.text = p.findings === 0 ? '$(check) normlint' : `$(warning) normlint: ${p.findings}`;
    status.tooltip = `normlint: ${p.findings} finding${p.findings === 1 ? '' : 's'} in ${p.files} Python files (last analysis ${p.lastRunMs} ms). Click to show the output.`;
  }
  status.show();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('normlint', { log: true });
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    // The young generation `normlint server` runs with (8 MiB semi-spaces; see `linter/src/cli/main.ts`).
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--max-semi-space-size=8'] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--max-semi-space-size=8', '--nolazy', '--inspect=6011'] } },
  };
  const lab = new BnLabViewProvider(context.extensionUri, output);
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(BN_LAB_VIEW, lab, { webviewOptions: { retainContextWhenHidden: true } }));

  /** Shows a layer the server resolved in BN Lab, with where it is in the code. */
  const simulate = async (args: SimulateLayerArgs | null | undefined): Promise<void> => {
    if (!args?.layer) {
      await lab.show(null, null);
      return;
    }
    let line = 0;
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(args.uri));
      line = doc.positionAt(args.layer.span.start).line;
    } catch {
      // The file is gone: show the layer without a way back to it.
    }
    await lab.show(args.layer, { uri: args.uri, line });
  };

  const clientOptions: LanguageClientOptions = {
    // Python files, the Python cells of Jupyter notebooks (the server syncs the notebooks
    // themselves: `notebookDocumentSync` in its capabilities; hovers, code actions and code
    // lenses come for the cells this selector matches), and TensorFlow.js model code in
    // TypeScript/JavaScript (files that do not use TensorFlow.js have nothing to report).
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { notebook: 'jupyter-notebook', language: 'python' },
      { scheme: 'file', language: 'typescript' },
      { scheme: 'file', language: 'typescriptreact' },
      { scheme: 'file', language: 'javascript' },
      { scheme: 'file', language: 'javascriptreact' },
    ],
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { settings: vscode.workspace.getConfiguration('normlint') },
    middleware: {
      // The code lens "Simulate in BN Lab" runs a server command; in VS Code it opens the panel.
      executeCommand: async (command, args, next) => {
        if (command === Commands.simulateLayer) return simulate(args[0] as SimulateLayerArgs | undefined);
        return next(command, args);
      },
      // A layer hover gets a link that opens BN Lab on that layer (a trusted command link).
      provideHover: async (document, position, token, next) => {
        const hover = await next(document, position, token);
        if (!hover || !hover.contents.some((c) => c instanceof vscode.MarkdownString && c.value.includes('· normlint'))) return hover;
        const args = encodeURIComponent(JSON.stringify([document.uri.toString(), { line: position.line, character: position.character }]));
        const link = new vscode.MarkdownString(`[$(graph) Simulate in BN Lab](command:normlint.openLab?${args} "Run this layer on TensorFlow.js")`, true);
        link.isTrusted = { enabledCommands: ['normlint.openLab'] };
        return new vscode.Hover([...hover.contents, link], hover.range);
      },
    },
  };
  client = new LanguageClient('normlint', 'normlint', serverOptions, clientOptions);

  status = vscode.window.createStatusBarItem('normlint.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'normlint';
  status.command = 'normlint.showOutput';
  status.text = '$(sync~spin) normlint';
  status.show();
  context.subscriptions.push(output, status);

  context.subscriptions.push(
    vscode.commands.registerCommand('normlint.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('normlint.restartServer', async () => {
      output.info('restarting the language server');
      await client?.restart();
    }),
    vscode.commands.registerCommand('normlint.openLab', async (uri?: unknown, position?: unknown) => {
      // The layer at the given place (a hover link) or under the cursor, if any; otherwise the
      // panel with its editable layer.
      const editor = vscode.window.activeTextEditor;
      const at =
        typeof uri === 'string' && position && typeof position === 'object'
          ? { uri, position: position as { line: number; character: number } }
          : editor && editor.document.languageId === 'python'
            ? { uri: editor.document.uri.toString(), position: editor.selection.active }
            : null;
      let args: SimulateLayerArgs | null = null;
      if (at && client) {
        args = await client.sendRequest<SimulateLayerArgs | null>(LAYER_AT_REQUEST, {
          textDocument: { uri: at.uri },
          position: { line: at.position.line, character: at.position.character },
        });
      }
      await simulate(args);
    }),
    vscode.commands.registerCommand('normlint.fixAll', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'python') {
        void vscode.window.showInformationMessage('normlint: open a Python file to fix its findings.');
        return;
      }
      await vscode.commands.executeCommand(Commands.applyAutofix, editor.document.uri.toString());
    }),
  );

  await client.start();
  context.subscriptions.push(client.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => renderStatus(p)));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = null;
}
