/**
 * Node entry of the language server (bundled as `dist/server.js`): `normlint server --stdio`
 * for any editor, or forked by the VS Code extension over IPC (`--node-ipc`). The transport is
 * chosen from the command line by `vscode-languageserver/node`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { nodeHost } from './node-host';

/** Starts the server on the transport named in `process.argv` (`--stdio`, `--node-ipc`, `--socket=N`). */
export function runServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  // A bug must never take the server down: log it and keep serving.
  process.on('uncaughtException', (e) => connection.console.error(`normlint: uncaught exception: ${e.stack ?? String(e)}`));
  process.on('unhandledRejection', (e) => connection.console.error(`normlint: unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
  startServer(connection, nodeHost);
}

if (require.main === module) runServer();
