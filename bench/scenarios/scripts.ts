/**
 * Request scripts: a `.ws` request whose JetBrains response handler does the least a handler can
 * (`response.body.onEachMessage(() => n++)`, logging once when it counted the last), run by the real `runWsRequest` against the flood
 * server, against the same request without the handler in the same process: messages a second
 * from open to the server's close, and the cost a message in the QuickJS sandbox.
 */
import { startFloodServer } from '../floodServer';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';

export interface ScriptsResult {
  withScript: number[];
  without: number[];
  messages: number;
  problems: string[];
}

/** `bench.js scripts --count N --rounds R`: prints one ScriptsResult. */
export async function scriptsFromCommandLine(args: string[]): Promise<void> {
  const get = (name: string) => args[args.indexOf(name) + 1];
  const count = Number(get('--count'));
  const rounds = Number(get('--rounds'));
  const server = await startFloodServer({ size: 100, count, rate: 0, binary: false });
  const problems: string[] = [];
  const result: ScriptsResult = { withScript: [], without: [], messages: count, problems };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const script of [true, false]) {
        const file = [
          `WEBSOCKET ws://127.0.0.1:${server.port}/`,
          '',
          ...(script
            ? [
                '> {%',
                '  let n = 0;',
                `  response.body.onEachMessage(() => { if (++n === ${count}) client.log('all ${count}'); });`,
                '%}',
              ]
            : []),
          '',
        ].join('\n');
        const parsed = parseWsFile(file);
        if (parsed.diagnostics.some((d) => d.severity === 'error'))
          throw new Error(parsed.diagnostics.map((d) => d.message).join('; '));
        let received = 0;
        let opened = 0;
        let closed = 0;
        const started = performance.now();
        const run = await runWsRequest({
          request: parsed.requests[0],
          variables: { fileVariables: parsed.variables, allowProcessEnv: false },
          baseDir: __dirname,
          scripts: 'run',
          waitTimeoutMs: 60_000,
          onConnection: (connection) => {
            connection.onState((s) => {
              if (s.phase === 'open') opened = performance.now();
              if (s.phase === 'closed' || s.phase === 'error') closed = performance.now();
            });
            connection.onMessage((m) => {
              if (m.direction === 'received' && m.kind === 'text') received++;
            });
          },
        });
        // The handler keeps the request listening until the server closes.
        const deadline = Date.now() + 60_000;
        while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        run.connection?.dispose();
        if (received !== count) problems.push(`${script ? 'with' : 'without'} the script: ${received} of ${count}`);
        if (run.tests.some((t) => !t.passed)) problems.push(run.tests.map((t) => t.message).join('; '));
        // The handler saw every message (it logs when it counted the last one).
        if (script && !run.logs.some((l) => l.text === `all ${count}`))
          problems.push(`the handler did not see all ${count} messages: ${run.logs.map((l) => l.text).join('; ')}`);
        const seconds = ((closed || performance.now()) - (opened || started)) / 1000;
        (script ? result.withScript : result.without).push(received / seconds);
      }
    }
  } finally {
    await server.close();
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}
