import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  alertIds: string[];
  messageId: string;
  /** When the message had arrived in full (epoch ms), and when the sink answered that it accepted it. */
  receivedAt?: number;
  acceptedAt?: number;
}

type Callback = (error?: Error | null) => void;

/**
 * A real SMTP server (the `smtp-server` package) that keeps what it accepted. It can hold back its
 * answer to one message (the client waits, as with a slow relay), which lets a test kill the sender
 * after it decided but before the server accepted.
 */
export class SmtpSink {
  readonly accepted: ReceivedMail[] = [];
  private readonly server: SMTPServer;
  private holdPredicate: ((to: string[]) => boolean) | null = null;
  private held: { callback: Callback; mail: ReceivedMail } | null = null;
  /** Sessions whose client went away: a message whose answer was still being held back there was never accepted. */
  private readonly closedSessions = new Set<string>();
  port = 0;

  /**
   * `answerDelayMs`: every message waits this long for its answer, as with a slow relay, so that a sender killed
   * meanwhile never hears it (and the message, never answered, is not accepted).
   */
  constructor(private readonly options: { answerDelayMs?: number } = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => this.onData(stream, session, callback),
      onClose: (session) => this.closedSessions.add(session.id),
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    this.release(new Error('sink stopping'));
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Do not answer the next message whose recipients match, until `release`. */
  holdNext(predicate: (to: string[]) => boolean): void {
    this.holdPredicate = predicate;
  }

  get holding(): ReceivedMail | null {
    return this.held?.mail ?? null;
  }

  /** Answers the held message: with an error it is refused (never accepted). */
  release(error?: Error): void {
    const held = this.held;
    this.held = null;
    if (!held) return;
    if (!error) this.accepted.push(held.mail);
    try {
      held.callback(error ?? null);
    } catch {
      // the client may be gone
    }
  }

  to(address: string): ReceivedMail[] {
    return this.accepted.filter((mail) => mail.to.includes(address));
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: Callback): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const mail = parseMail(Buffer.concat(chunks).toString('latin1'), session.envelope.rcptTo.map((r) => r.address));
      if (this.holdPredicate?.(mail.to)) {
        this.holdPredicate = null;
        this.held = { callback, mail };
        return;
      }
      const receivedAt = Date.now();
      const answer = () => {
        if (this.closedSessions.has(session.id)) return;
        this.accepted.push({ ...mail, receivedAt, acceptedAt: Date.now() });
        callback(null);
      };
      if (this.options.answerDelayMs) setTimeout(answer, this.options.answerDelayMs);
      else answer();
    });
  }
}

/** Just enough MIME for nodemailer's single-part text messages. */
export function parseMail(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : Buffer.from(body, 'latin1');
  return {
    to,
    subject: decodeEncodedWords(header('Subject')),
    text: bytes.toString('utf8').replace(/\r\n/g, '\n'),
    alertIds: header('X-DVC-Alert-Ids').split(',').filter(Boolean),
    messageId: header('Message-ID'),
  };
}

function decodeQuotedPrintable(text: string): Buffer {
  const unfolded = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    if (unfolded[i] === '=' && /^[0-9A-F]{2}$/i.test(unfolded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(unfolded.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (B and Q), adjacent words joined at the byte level. */
function decodeEncodedWords(value: string): string {
  const parts: Array<Buffer> = [];
  const pattern = /=\?utf-8\?([bq])\?([^?]*)\?=|([^=]+|=)/gi;
  let lastWasWord = false;
  for (const match of value.matchAll(pattern)) {
    if (match[1]) {
      const data = match[1].toLowerCase() === 'b' ? Buffer.from(match[2], 'base64') : decodeQuotedPrintable(match[2].replace(/_/g, ' '));
      parts.push(data);
      lastWasWord = true;
    } else {
      const text = match[3];
      if (lastWasWord && /^\s+$/.test(text)) continue;
      parts.push(Buffer.from(text, 'utf8'));
      lastWasWord = false;
    }
  }
  return Buffer.concat(parts).toString('utf8');
}
