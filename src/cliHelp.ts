/** The texts of `wsi help` and `wsi COMMAND --help`. */
import { DECODE_HELP } from './core/decode/cliDecode';
import { REPLAY_HELP, REPLAY_OPTIONS, REPLAY_USAGE } from './core/sessions/replayCli';
import { formatDuration } from './core/wsfile/duration';
import { DEFAULT_WAIT_TIMEOUT_MS } from './core/wsfile/run';
import { TEST_HELP } from './cliTest';
import { RELAY_HELP, RELAY_USAGE } from './core/relay/cli';

const DURATIONS = 'Durations look like 500ms, 2s, 1m or 1h; a plain number is milliseconds.';

const RUN_OPTIONS_HELP = `Options for run:
  --request NAME     Run only the request with this name (or its number: 1, 2, …).
  --env NAME         Use this environment from http-client.env.json (+ .private.env.json),
                     looked up next to FILE or in a folder above it.
  --wait-timeout D   Limit for each "=== wait-for-server" (default ${formatDuration(DEFAULT_WAIT_TIMEOUT_MS)}).
  --timeout D        Handshake timeout when a request has no @timeout (default 10 s).
  --linger D         After the last step, keep printing server messages this long (default 500ms).
  --send-timeout D   Longest wait for one message to be written to the socket (default: the connection's, 30s).
  --follow-redirects Follow HTTP redirects of the upgrade request (off by default).
  --max-redirects N  At most N redirects (default 10; implies --follow-redirects).
  --no-process-env   Refuse {{$processEnv …}} (it is allowed by default on the command line).
  --no-scripts       Do not run request scripts ({% %}, {{ }}); expectations still run.
${DECODE_HELP}`;

export const HELP = `wsi: run WebSocket request files (.ws) from the command line.

Usage:
  wsi parse FILE                 Print the requests in FILE as JSON (see docs/WSFILE.md).
                                 Exits 1 when the file has errors.
  wsi run FILE [options]         Connect, play each request's script, print the exchange.
                                 Exits 1 when a connection or a step fails.
${REPLAY_USAGE}
  wsi test [FILES|FOLDERS]       Run every request with tests (scripts, === expect, ??) and report;
                                 exits 0 only when all pass. "wsi test --help" for its options.
${RELAY_USAGE}
                                 "wsi relay --help" for its options.
  wsi help                       Show this text; "wsi COMMAND --help" shows one command's.

${RUN_OPTIONS_HELP}

${REPLAY_OPTIONS}

${DURATIONS}`;

const PARSE_HELP = `wsi parse FILE: print the requests in FILE as JSON (see docs/WSFILE.md).
Exits 0, or 1 when the file has errors.`;

const RUN_HELP = `wsi run FILE [options]: connect, play each request's script, print the exchange.
Exits 0, 1 when a connection or a step fails, 2 for bad usage.

${RUN_OPTIONS_HELP}

${DURATIONS}`;

/** `wsi COMMAND --help` and `wsi help COMMAND`. */
export const COMMAND_HELP: Record<string, string> = {
  parse: PARSE_HELP,
  run: RUN_HELP,
  replay: `${REPLAY_HELP}\n\n${DURATIONS}`,
  test: `${TEST_HELP}\n\n${DURATIONS}`,
  relay: RELAY_HELP,
};
