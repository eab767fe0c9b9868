// `npm start`: the main job. Builds and packages the extension, installs code-server (a real
// VS Code 1.100 for the browser) if missing, installs the .vsix into it, opens `examples/` with
// the local echo server starting on ws://127.0.0.1:8765, and prints the URL. Ctrl+C stops it all.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const ECHO_PORT = Number(process.env.ECHO_PORT) || 8765;
/** The raw TCP echo servers: lines on this port, 4-byte length-prefixed messages on the next. */
const TCP_ECHO_PORT = Number(process.env.TCP_ECHO_PORT) || 8766;

function step(title, cmd, args) {
  process.stdout.write(`[start] ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`[start] ${title} failed (exit ${r.status}). See the output above.\n`);
    process.exit(1);
  }
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

step('packaging the extension (npm run package)', npm, ['run', '--silent', 'package']);
step('compiling the runner (npm run compile-tests)', npm, ['run', '--silent', 'compile-tests']);
step('checking code-server, Chromium and their system packages', 'bash', ['scripts/install-code-server.sh']);

const { startCodeServer, freePort, installSignalHandlers, codeServerBin, editorEnv } = require(
  join(root, 'out', 'test', 'runners', 'codeServer.js'),
);

const extensionsDir = join(root, '.cache', 'start', 'extensions');
rmSync(extensionsDir, { recursive: true, force: true });
mkdirSync(extensionsDir, { recursive: true });
process.stdout.write('[start] installing dist/websocket-inspector.vsix into code-server\n');
execFileSync(
  codeServerBin,
  ['--extensions-dir', extensionsDir, '--install-extension', join(root, 'dist', 'websocket-inspector.vsix'), '--force'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: editorEnv(), // WSI_EDITOR=current needs its own Node 24 on PATH
  },
);

if (!(await portIsFree(ECHO_PORT))) {
  process.stderr.write(
    `[start] port ${ECHO_PORT} on 127.0.0.1 is taken, so the echo server gets a free port instead; ` +
      `the examples' @echo = ws://127.0.0.1:${ECHO_PORT} will not reach it. Stop what uses ${ECHO_PORT}, or set ECHO_PORT.\n`,
  );
}
// The TCP echo servers run in this process (the WebSocket one runs in the extension); a taken port gets a free one.
const { TcpEchoServer } = require(join(root, 'out', 'src', 'core', 'tcpEchoServer.js'));
const tcpEchoes = [];
for (const [mode, wanted] of [
  ['line', TCP_ECHO_PORT],
  ['prefix', TCP_ECHO_PORT + 1],
])
  tcpEchoes.push(await TcpEchoServer.start({ mode, port: (await portIsFree(wanted)) ? wanted : 0 }));
const port = Number(process.env.PORT) || (await freePort(8080));
installSignalHandlers();
const server = await startCodeServer({
  workspace: join(root, 'examples'),
  port,
  extensionsDir,
  settings: {
    'websocketInspector.echoServer.autoStart': true,
    'websocketInspector.echoServer.port': (await portIsFree(ECHO_PORT)) ? ECHO_PORT : 0,
    'workbench.colorTheme': 'Default Dark Modern',
    // The echo server is a local port; code-server's "port forwarded" notice would only get in the way.
    'remote.autoForwardPorts': false,
  },
});
if (!existsSync(join(extensionsDir, 'extensions.json')))
  process.stderr.write('[start] note: the extension list was not written; check the install output above.\n');

process.stdout.write(`
  WebSocket Inspector is running in VS Code ${'(code-server 4.100.3)'}:

      ${server.urlFor()}

  Open it in your browser. The examples folder is open; the local echo server starts on
  ws://127.0.0.1:${ECHO_PORT} when the extension activates (status bar, bottom right).
  TCP echo servers: ${tcpEchoes.map((e) => `${e.url} (${e.mode === 'line' ? 'lines, # @framing lf' : '# @framing prefix=4be'})`).join(', ')}.
  Try: open echo.ws and click "Run" above the request, or F1 → "WebSocket: Connect…".

  Ctrl+C stops code-server and everything it started.
`);
// Keep running until a signal; installSignalHandlers stops code-server and exits.
setInterval(() => undefined, 1 << 30);
