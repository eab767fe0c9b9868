import type { TransportMessage, TransportNote } from './transport';

/** One line per message or note: → sent, ← received, · notes. */
export function describeFrame(f: TransportMessage | TransportNote): string {
  if ('level' in f) return `· ${f.text}`;
  const arrow = f.direction === 'sent' ? '→' : '←';
  switch (f.kind) {
    case 'text':
      return `${arrow} text   ${preview(f.payload.toString('utf8'))}`;
    case 'binary':
      return `${arrow} binary ${f.payload.length} byte${f.payload.length === 1 ? '' : 's'}: ${hexPreview(f.payload)}`;
    case 'close': {
      const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
      const reason = f.payload.subarray(2).toString('utf8');
      return `${arrow} close  ${code}${reason ? ` "${reason}"` : ''}`;
    }
    case 'ping':
    case 'pong':
      return `${arrow} ${f.kind}`;
  }
}

function preview(text: string): string {
  const one = text.replace(/\r?\n/g, '⏎');
  return one.length > 300 ? `${one.slice(0, 300)}… (${text.length} characters)` : one;
}

function hexPreview(bytes: Buffer): string {
  const shown = [...bytes.subarray(0, 32)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > 32 ? `${shown} …` : shown;
}
