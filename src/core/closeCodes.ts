/** Names of the close codes in RFC 6455 and the IANA registry. */
const NAMES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1004: 'Reserved',
  1005: 'No Status Received',
  1006: 'Abnormal Closure',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
};

/** "1001 Going Away", "4001 application-defined", … */
export function closeCodeName(code: number): string {
  if (NAMES[code]) return `${code} ${NAMES[code]}`;
  if (code >= 4000 && code <= 4999) return `${code} (application-defined)`;
  if (code >= 3000 && code <= 3999) return `${code} (registered by a library or framework)`;
  return `${code}`;
}

/** The payload of a close frame: the code as two bytes, then the reason in UTF-8. */
export function closeFramePayload(code: number, reason: string): Buffer {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const payload = Buffer.allocUnsafe(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2);
  return payload;
}
