import { MAX_VIEWPORT_ROWS, type FromWebview } from '../shared/protocol';

/** Largest text the composer may send in one message through the webview channel. */
const MAX_SEND_TEXT = 64 * 1024 * 1024;

/**
 * Checks a message from the webview before anything uses it: the webview is untrusted input.
 * Returns the typed message, or undefined for anything of the wrong shape.
 */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return isInt(m.protocolVersion) ? { type: 'ready', protocolVersion: m.protocolVersion } : undefined;
    case 'viewport':
      if (!isInt(m.start) || !isInt(m.count) || typeof m.follow !== 'boolean' || m.start < 0 || m.count < 0) return undefined;
      return { type: 'viewport', start: m.start, count: Math.min(m.count, MAX_VIEWPORT_ROWS), follow: m.follow };
    case 'sendText':
      if (!isInt(m.id) || typeof m.text !== 'string' || m.text.length > MAX_SEND_TEXT) return undefined;
      return { type: 'sendText', id: m.id, text: m.text };
    case 'sendBinary':
      if (!isInt(m.id) || (m.encoding !== 'hex' && m.encoding !== 'base64') || typeof m.data !== 'string' || m.data.length > MAX_SEND_TEXT) return undefined;
      return { type: 'sendBinary', id: m.id, encoding: m.encoding, data: m.data };
    case 'sendFile':
      return isInt(m.id) ? { type: 'sendFile', id: m.id } : undefined;
    case 'clear':
      return { type: 'clear' };
    case 'getDetail':
      return isInt(m.id) && isInt(m.index) && m.index >= 0 ? { type: 'getDetail', id: m.id, index: m.index } : undefined;
    case 'openInEditor':
      return isInt(m.index) && m.index >= 0 ? { type: 'openInEditor', index: m.index } : undefined;
    case 'copy':
      return typeof m.text === 'string' && m.text.length <= MAX_SEND_TEXT ? { type: 'copy', text: m.text } : undefined;
    case 'disconnect':
      return { type: 'disconnect' };
    case 'reconnect':
      return { type: 'reconnect' };
    default:
      return undefined;
  }
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
