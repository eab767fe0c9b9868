/**
 * `wsi relay --listen PORT --target URL [--host ADDR] [--record FILE] …`: relays every app
 * connection to the target and prints one line per connection and per message, as `wsi run` does.
 * Runs until Ctrl+C (or `stop` is aborted), then closes every connection and recording.
 * Exit codes: 0 stopped, 1 it could not listen, 2 bad usage.
 */
import { parseCommandLine, type OptionSpec } from '../cliArgs';
import { describeFrame } from '../frameText';
import type { SessionRecorder } from '../sessions/recorder';
import { Relay, type RelayOptions } from './relay';
import { recordingPath, recordRelayed } from './record';
import { isLoopback } from './upgrade';

const OPTIONS: Record<string, OptionSpec> = {
  listen: { type: 'string', example: '8080' },
  target: { type: 'string', example: 'ws://127.0.0.1:9000' },
  host: { type: 'string', example: '127.0.0.1' },
  record: { type: 'string', example: 'relay.wslog' },
  'path-from': { type: 'string', example: '"^/v1"' },
  'path-to': { type: 'string', example: '/v2' },
  'host-header': { type: 'string', example: 'target' },
  origin: { type: 'string', example: 'client' },
  insecure: { type: 'boolean' },
  ca: { type: 'string', example: 'ca.pem' },
  proxy: { type: 'string', example: 'http://proxy:3128' },
  quiet: { type: 'boolean' },
};

export const RELAY_USAGE = `  wsi relay --listen PORT --target URL
                                 Relay an app's WebSocket connections to URL and print each message.`;

export const RELAY_HELP = `wsi relay --listen PORT --target URL [options]: point your app at ws://127.0.0.1:PORT; each of its
connections is forwarded to URL (ws:// or wss://) and printed. Ctrl+C stops it.
Exits 0 when stopped, 1 when it cannot listen, 2 for bad usage.

Options for relay:
  --listen PORT      Port to listen on (0: any free one, printed).
  --target URL       The server to forward to; the app's path and query are kept after its path.
  --host ADDR        Address to listen on (default 127.0.0.1; anything else is reachable from the network).
  --record FILE      Record each connection as a session: FILE-1.wslog, FILE-2.wslog, …
  --path-from RE     Rewrite the app's path and query: this regular expression …
  --path-to TEXT     … is replaced with this ($1 … allowed).
  --host-header H    Host sent to the target: target (default), client, or a value.
  --origin O         Origin sent to the target: client (default), target, or a value.
  --insecure         Do not verify the target's TLS certificate.
  --ca FILE          Trust this CA certificate for the target (PEM).
  --proxy URL        Reach the target through this HTTP proxy.
  --quiet            Print connections only, not each message.`;

/** Runs `wsi relay`; resolves with the exit code once stopped. */
export async function relayMain(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  stop?: AbortSignal,
): Promise<number> {
  const cl = parseCommandLine('relay', argv, OPTIONS);
  if ('error' in cl) {
    err(cl.error);
    return 2;
  }
  if (cl.help) {
    out(RELAY_HELP);
    return 0;
  }
  const v = cl.values as Record<string, string | boolean | undefined>;
  const str = (name: string) => (typeof v[name] === 'string' ? v[name] : undefined);
  const listen = Number(str('listen'));
  if (str('listen') === undefined || !Number.isInteger(listen) || listen < 0 || listen > 65535) {
    err(`"wsi relay" needs --listen PORT, a port from 0 to 65535, e.g. --listen 8080.`);
    return 2;
  }
  const target = str('target');
  if (!target || !/^wss?:\/\//i.test(target)) {
    err(`"wsi relay" needs --target with a ws:// or wss:// URL, e.g. --target ws://127.0.0.1:9000.`);
    return 2;
  }
  if ((str('path-from') === undefined) !== (str('path-to') === undefined)) {
    err('--path-from and --path-to go together.');
    return 2;
  }
  const host = str('host') ?? '127.0.0.1';
  const options: RelayOptions = {
    listen,
    host,
    target,
    pathRule: str('path-from')
      ? { mode: 'rewrite', from: str('path-from') ?? '', to: str('path-to') ?? '' }
      : undefined,
    hostHeader: str('host-header'),
    origin: str('origin'),
    insecure: v.insecure === true,
    ca: str('ca'),
    proxy: str('proxy'),
  };
  let relay: Relay;
  try {
    relay = new Relay(options);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  if (!isLoopback(host))
    err(`! The relay listens on ${host}: other machines on the network can connect to it and through it to ${target}.`);
  let port: number;
  try {
    port = await relay.start();
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  out(`Relay listening on ws://${host.includes(':') ? `[${host}]` : host}:${port} → ${target}  (Ctrl+C stops it)`);
  const started = Date.now();
  const stamp = () => `[${String(Date.now() - started).padStart(6)} ms]`;
  const recorders: Promise<SessionRecorder | undefined>[] = [];
  const record = str('record');
  relay.onRefused((r) => out(`  ${stamp()} ✘ ${r.clientAddress} → ${r.url}: ${r.status}. ${r.message}`));
  relay.onConnection((c) => {
    const tag = `#${c.id}`;
    const protocol = c.state.phase === 'open' && c.state.protocol ? ` (subprotocol ${c.state.protocol})` : '';
    out(`▶ ${tag} ${c.clientAddress} → ${c.options.url}${protocol}  [${relay.counts.live} live]`);
    if (!cl.values.quiet)
      c.onMessage((m) =>
        out(
          `  ${stamp()} ${tag} ${describeFrame(m)}${m.relayMs !== undefined ? `  (${m.relayMs.toFixed(2)} ms)` : ''}`,
        ),
      );
    c.onNote((n) => out(`  ${stamp()} ${tag} ${describeFrame(n)}`));
    c.onState((s) => {
      if (s.phase === 'closed')
        out(`■ ${tag} ended: ${c.counts.sent} sent, ${c.counts.received} received, ${c.counts.dropped} dropped.`);
    });
    if (record) {
      const path = recordingPath(record, c.id);
      const r = recordRelayed(c, path).then(
        (rec) => {
          c.onState((s) => s.phase === 'closed' && void rec.close());
          return rec;
        },
        (e: Error) => {
          err(`! ${tag}: ${e.message}`);
          return undefined;
        },
      );
      recorders.push(r);
    }
  });
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    stop?.addEventListener('abort', onSignal, { once: true });
    if (stop?.aborted) resolve();
  });
  await relay.stop();
  for (const r of await Promise.all(recorders)) await r?.close();
  out(`Relay stopped: ${relay.counts.ended + relay.counts.live} connections, ${relay.counts.refused} refused.`);
  return 0;
}
