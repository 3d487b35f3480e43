// A local SMTP server for the stack (npm start): it accepts every message the alerting service sends
// and writes it, as received, to .stack/mail/<time>-<n>.eml, so alert e-mails can be read without a
// real mail relay. It also answers GET /health/ready like the services, so the stack waits for it.
// Environment: MAIL_SINK_SMTP_PORT (1025), HTTP_HOST, HTTP_PORT (3025), MAIL_SINK_DIR.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { STACK_DIR } from './config.mjs';

const host = process.env.HTTP_HOST || '127.0.0.1';
const smtpPort = Number(process.env.MAIL_SINK_SMTP_PORT || 1025);
const httpPort = Number(process.env.HTTP_PORT || 3025);
const mailDir = process.env.MAIL_SINK_DIR || join(STACK_DIR, 'mail');
mkdirSync(mailDir, { recursive: true });

let received = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      received += 1;
      const file = join(mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${received}.eml`);
      writeFileSync(file, Buffer.concat(chunks));
      const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
      console.log(JSON.stringify({ level: 30, time: Date.now(), name: 'dvc-mail-sink', msg: 'mail accepted', to, file }));
      callback();
    });
  },
});

const http = createServer((request, response) => {
  const ok = request.url === '/health/live' || request.url === '/health/ready';
  response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify(ok ? { status: 'ok', received, mailDir } : { error: 'not found' }));
});

smtp.listen(smtpPort, host, () => {
  http.listen(httpPort, host, () => {
    console.log(JSON.stringify({ level: 30, time: Date.now(), name: 'dvc-mail-sink', msg: `SMTP on ${host}:${smtpPort}, mail in ${mailDir}` }));
  });
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    http.close();
    smtp.close(() => process.exit(0));
  });
}
