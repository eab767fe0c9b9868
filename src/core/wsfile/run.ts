import { readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { openConnection, type ConnectionRecipe, type ProtocolSession } from '../protocols';
import { whenEnded, type Transport, type TransportOptions } from '../transport';
import { parseTcpUrl } from '../transport/tcp';
import { CLOSE_TIMEOUT_MS } from '../transport/wsOptions';
import type { MessageDecoder } from '../decode';
import { checkConnectUrl, checkWebSocketUrl } from '../url';
import { decodeBase64, decodeHex } from './binary';
import { formatDuration } from './duration';
import { runAction, runWaitFor } from './runProtocol';
import { delay, MessageCounter } from './runWait';
import { RunTests, type TestRunOptions } from './runTests';
import type { LogLine, TestResult } from '../scripts/runScripts';
import { resolveHandshake, resolveText, type VariableContext } from './variables';
import type { WsRequest, WsStep } from './types';

/** Handshake timeout when the request has no `@timeout`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long `=== wait-for-server` waits when the caller does not say. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
/** How long a scripted close waits for the connection to end: the client's own close timeout, and a margin. */
const CLOSE_ANSWER_MS = CLOSE_TIMEOUT_MS + 2_000;

/** Where a script is. `index` -1 is the handshake; 0… are `request.steps`. */
export interface StepProgress {
  index: number;
  status: 'running' | 'waiting' | 'done' | 'failed';
  /** Present when failed: a sentence naming the step and what to do. */
  reason?: string;
}

export interface RunOptions extends TestRunOptions {
  request: WsRequest;
  variables: VariableContext;
  /** Directory that `< ./file` paths are relative to (the `.ws` file's folder). */
  baseDir: string;
  /** Play the steps on this connection instead of opening a new one (connects it if it is not open). */
  connection?: Transport;
  /** With `connection`: the protocol session and decoder on it, for protocol actions and `=== wait-for`. */
  protocol?: { session?: ProtocolSession; decoder?: MessageDecoder };
  /** A protocol action's sentence ("acknowledged after 3 ms"), as each one finishes. */
  onSentence?: (sentence: string) => void;
  /** Used when the request has no `@timeout`. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Limit for each `=== wait-for-server`. Default 10 s. */
  waitTimeoutMs?: number;
  /** Limit for each send to reach the socket (a server that stopped reading), for a connection this run opens. Default 30 s. */
  sendTimeoutMs?: number;
  /** Transport options from outside the file (the CLI's --follow-redirects, --max-redirects), over the request's own. */
  connectionOptions?: Partial<TransportOptions>;
  onProgress?: (progress: StepProgress) => void;
  /**
   * Called with the connection before it connects, so the caller can watch its frames, and with the
   * list of resolved secret values (it grows as steps resolve variables) for masking what it shows.
   */
  /**
   * The connection the steps run on, as soon as it exists; with the protocol session when the
   * request speaks one (`# @protocol`, or a URL that names it), or why it could not.
   */
  onConnection?: (
    connection: Transport,
    secrets: readonly string[],
    protocol: { session?: ProtocolSession; problem?: string },
  ) => void;
  /** Aborting stops the script at the current step (the connection stays open). */
  signal?: AbortSignal;
}

export interface RunResult {
  ok: boolean;
  /** The connection the script ran on; left open when a step failed, so the user can go on by hand. */
  connection?: Transport;
  /** Index of the failed step (-1: the handshake). */
  failedStep?: number;
  error?: string;
  /** Resolved values to mask wherever the exchange is shown. */
  secrets: string[];
  /** Test results of the request's scripts, `=== expect` and `??` lines, in the order they were decided. */
  tests: TestResult[];
  /** `client.log` lines and the run's notes about scripts. */
  logs: LogLine[];
}

/** The connection options a request asks for, with its variables already resolved. */
export function connectionOptionsFor(
  request: WsRequest,
  handshake: { url: string; headers: Array<{ name: string; value: string }> },
  defaultTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS,
): ConnectionRecipe | { error: string } {
  const url = withScheme(handshake.url, request.keyword);
  if (/^(tcp|tls):/i.test(url)) {
    const target = parseTcpUrl(url);
    if (!target.ok) return { error: `${request.name} (line ${request.urlRange.startLine + 1}): ${target.error}` };
    return {
      url,
      handshakeTimeout: request.settings.timeoutMs ?? defaultTimeoutMs,
      insecure: request.settings.insecure || undefined,
      protocol: 'none',
      ...(request.settings.framing ? { framing: request.settings.framing } : {}),
    };
  }
  // A protocol maps http(s) URLs itself (Socket.IO and SockJS clients are given them).
  const speaks = request.settings.protocol && request.settings.protocol !== 'none';
  const check = speaks ? checkConnectUrl(url) : checkWebSocketUrl(url);
  if (!check.ok) return { error: `${request.name} (line ${request.urlRange.startLine + 1}): ${check.message}` };
  const headers: Record<string, string> = {};
  const protocols = [...request.settings.subprotocols];
  for (const h of handshake.headers) {
    if (/^sec-websocket-protocol$/i.test(h.name))
      protocols.push(
        ...h.value
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      );
    else headers[h.name] = h.value;
  }
  return {
    url,
    headers,
    protocols: [...new Set(protocols)],
    handshakeTimeout: request.settings.timeoutMs ?? defaultTimeoutMs,
    perMessageDeflate: request.settings.deflate,
    pingIntervalMs: request.settings.pingMs,
    reconnect: request.settings.reconnect || undefined,
    insecure: request.settings.insecure || undefined,
    ...(request.settings.protocol ? { protocol: request.settings.protocol } : {}),
    ...(request.settings.payloads ? { payloads: request.settings.payloads } : {}),
  };
}

/** `WS host/path` and `WSS host/path` may omit the scheme; the keyword supplies it. */
function withScheme(url: string, keyword: WsRequest['keyword']): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return url;
  const scheme = keyword === 'TCP' ? 'tcp' : keyword === 'TLS' ? 'tls' : keyword === 'WSS' ? 'wss' : 'ws';
  return `${scheme}://${url}`;
}

/**
 * Connects (or uses `options.connection`) and plays the request's steps in order. Resolves, never
 * rejects: a failed step ends the script with `ok: false` and a sentence, and the connection stays open.
 */
export async function runWsRequest(options: RunOptions): Promise<RunResult> {
  const counter = new MessageCounter();
  const tests = new RunTests(options.request, options, counter);
  try {
    const result = await playRequest({ ...options, variables: tests.variables }, counter, tests);
    return { ...result, tests: tests.tests, logs: tests.logs };
  } finally {
    tests.dispose();
  }
}

async function playRequest(
  options: RunOptions,
  counter: MessageCounter,
  tests: RunTests,
): Promise<Omit<RunResult, 'tests' | 'logs'>> {
  const { request, variables } = options;
  const progress = (p: StepProgress) => {
    try {
      options.onProgress?.(p);
    } catch {
      // A listener's failure must not stop the script.
    }
  };
  const fail = (
    index: number,
    reason: string,
    connection: Transport | undefined,
    secrets: string[],
  ): Omit<RunResult, 'tests' | 'logs'> => {
    progress({ index, status: 'failed', reason });
    return { ok: false, connection, failedStep: index, error: reason, secrets };
  };

  progress({ index: -1, status: 'running' });
  const scriptProblem = await tests.beforeConnect();
  if (scriptProblem) return fail(-1, scriptProblem, options.connection, []);
  const handshake = resolveHandshake(request, variables);
  if ('error' in handshake) return fail(-1, handshake.error, options.connection, []);
  const secrets = handshake.secrets;

  let connection = options.connection;
  let session: ProtocolSession | undefined = options.protocol?.session;
  let decoder: MessageDecoder | undefined = options.protocol?.decoder;
  let problem: string | undefined;
  if (!connection) {
    const connOptions = connectionOptionsFor(request, handshake, options.handshakeTimeoutMs);
    if ('error' in connOptions) return fail(-1, connOptions.error, undefined, secrets);
    if (options.sendTimeoutMs !== undefined) connOptions.sendTimeoutMs = options.sendTimeoutMs;
    const opened = openConnection({ ...connOptions, ...options.connectionOptions });
    connection = opened.transport;
    session = opened.session;
    decoder = opened.decoder;
    problem = opened.problem;
  }
  try {
    options.onConnection?.(connection, secrets, { session, problem });
  } catch {
    // A listener's failure must not stop the script.
  }
  const subscriptions = [
    connection.onMessage((f) => {
      if (f.direction === 'received' && (f.kind === 'text' || f.kind === 'binary')) counter.add(f);
      tests.frame(f);
    }),
    connection.onState((s) => {
      if (s.phase === 'closed' || s.phase === 'error') counter.end(s.message);
    }),
  ];
  const limitMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  try {
    if (connection.state.phase !== 'open') {
      try {
        await connection.connect();
      } catch (err) {
        return fail(-1, (err as Error).message, connection, secrets);
      }
    }
    progress({ index: -1, status: 'done' });
    tests.afterOpen(connection);

    // Messages since the run began count for a first wait-for-server (e.g. a greeting sent on open).
    let previousStart = 0;
    for (let index = 0; index < request.steps.length; index++) {
      const step = request.steps[index];
      if (options.signal?.aborted)
        return fail(index, `Stopped before step ${index + 1} (line ${step.lines.startLine + 1}).`, connection, secrets);
      const baseline = previousStart;
      previousStart = counter.count;
      const waiting =
        step.type === 'wait' || step.type === 'wait-for-server' || step.type === 'wait-for' || step.type === 'expect';
      progress({ index, status: waiting ? 'waiting' : 'running' });
      if (step.type === 'expect') await tests.expect(step, { decoder, limitMs, signal: options.signal });
      const error =
        step.type === 'expect'
          ? undefined
          : await runStep(step, { connection, counter, baseline, options, secrets, session, decoder });
      if (error)
        return fail(index, `Step ${index + 1} (line ${step.lines.startLine + 1}): ${error}`, connection, secrets);
      progress({ index, status: 'done' });
    }
    await tests.finish(true, limitMs, options.signal);
    return { ok: true, connection, secrets };
  } finally {
    for (const s of subscriptions) s.dispose();
    counter.end('The script finished.');
  }
}

interface StepContext {
  connection: Transport;
  counter: MessageCounter;
  /** Server messages counted when the previous step started. */
  baseline: number;
  options: RunOptions;
  secrets: string[];
  session?: ProtocolSession;
  decoder?: MessageDecoder;
}

/** Runs one step; returns a sentence when it fails. */
async function runStep(step: WsStep, ctx: StepContext): Promise<string | undefined> {
  const { connection, options } = ctx;
  switch (step.type) {
    case 'send': {
      if (connection.state.phase !== 'open') return notOpen(connection);
      const payload = await payloadFor(step, options, ctx.secrets);
      if ('error' in payload) return payload.error;
      try {
        if (payload.binary) await connection.sendBinary(payload.bytes);
        else await connection.sendText(payload.text);
      } catch (err) {
        return (err as Error).message;
      }
      return undefined;
    }
    case 'wait-for-server': {
      const limit = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
      const target = ctx.baseline + step.count;
      const outcome = await ctx.counter.waitFor(target, limit, options.signal);
      if (outcome === 'ok') return undefined;
      const got = Math.max(0, ctx.counter.count - ctx.baseline);
      const wanted = `${step.count} server message${step.count === 1 ? '' : 's'}`;
      if (outcome === 'aborted') return `stopped while waiting for ${wanted}.`;
      if (outcome === 'closed')
        return `the connection ended while waiting for ${wanted} (${got} arrived): ${ctx.counter.endReason ?? 'it closed'}`;
      return `waited ${formatDuration(limit)} for ${wanted}, but ${got} arrived. The server may not answer the previous message; raise the wait timeout or remove a "=== wait-for-server".`;
    }
    case 'wait':
      return (await delay(step.ms, options.signal)) ? undefined : 'stopped during the wait.';
    case 'action':
    case 'wait-for': {
      const pctx = {
        session: ctx.session,
        decoder: ctx.decoder,
        counter: ctx.counter,
        baseline: ctx.baseline,
        variables: options.variables,
        limitMs: options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
        secrets: ctx.secrets,
        signal: options.signal,
        onSentence: options.onSentence,
      };
      return step.type === 'action' ? runAction(step, pctx) : runWaitFor(step, pctx);
    }
    case 'close': {
      if (connection.state.phase !== 'open') return notOpen(connection);
      const closed = whenEnded(connection, CLOSE_ANSWER_MS);
      connection.close(step.code, step.reason);
      await closed;
      const sent = `the close ${step.code ?? 1000}${step.reason ? ` "${step.reason}"` : ''} was sent`;
      if (connection.state.phase === 'open')
        return `${sent}, but the connection had not ended after ${formatDuration(CLOSE_ANSWER_MS)}.`;
      if (connection.closeAnswered === false)
        return `${sent}, but the server did not answer the close within ${formatDuration(CLOSE_TIMEOUT_MS)}; the connection was dropped.`;
      return undefined;
    }
  }
}

function notOpen(connection: Transport): string {
  const s = connection.state;
  const why = s.phase === 'closed' || s.phase === 'error' ? ` ${s.message}` : '';
  return `the connection is not open, so nothing was sent.${why}`;
}

type Payload = { binary: true; bytes: Buffer } | { binary: false; text: string } | { error: string };

async function payloadFor(
  step: Extract<WsStep, { type: 'send' }>,
  options: RunOptions,
  secrets: string[],
): Promise<Payload> {
  const { message } = step;
  const at = step.lines.startLine;
  const resolve = (text: string): string | { error: string } => {
    const r = resolveText(text, options.variables, at);
    if ('error' in r) return r;
    secrets.push(...r.secrets);
    return r.value;
  };
  switch (message.kind) {
    case 'text': {
      const text = resolve(message.text);
      return typeof text === 'string' ? { binary: false, text } : text;
    }
    case 'hex':
    case 'base64': {
      const source = resolve(message.source);
      if (typeof source !== 'string') return source;
      const decoded = message.kind === 'hex' ? decodeHex(source) : decodeBase64(source);
      if (!decoded.ok) return { error: decoded.error.message };
      return { binary: true, bytes: decoded.bytes };
    }
    case 'file': {
      const rel = resolve(message.path);
      if (typeof rel !== 'string') return rel;
      const path = isAbsolute(rel) ? rel : resolvePath(options.baseDir, rel);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return {
          error:
            code === 'ENOENT'
              ? `the file ${path} does not exist. Paths are relative to the .ws file's folder.`
              : `the file ${path} could not be read: ${(err as Error).message}.`,
        };
      }
      if (message.as === 'binary') return { binary: true, bytes };
      if (message.as === 'auto')
        return isUtf8(bytes) ? { binary: false, text: bytes.toString('utf8') } : { binary: true, bytes };
      const encoding = (message.encoding || 'utf8') as BufferEncoding;
      if (!Buffer.isEncoding(encoding))
        return { error: `"${message.encoding}" is not an encoding Node.js knows. Use utf8, latin1, ascii or utf16le.` };
      const text = resolve(bytes.toString(encoding));
      return typeof text === 'string' ? { binary: false, text } : text;
    }
  }
}
