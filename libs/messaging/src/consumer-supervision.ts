import type { Consumer } from 'kafkajs';

interface FatalLogger {
  error(message: unknown, ...rest: unknown[]): void;
}

/**
 * kafkajs restarts a crashed consumer by itself for retriable errors; for the others it stops it for
 * good and the process would go on answering /health/ready while consuming nothing. Exiting lets the
 * supervisor (compose `restart`, Kubernetes, systemd) start a fresh process, which resumes from the
 * committed offsets: nothing is lost and, the consumers being idempotent, nothing is counted twice.
 */
export function exitWhenConsumerGivesUp(consumer: Consumer, logger: FatalLogger, what: string, exit: (code: number) => void = process.exit): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    logger.error({ error: String(payload.error), groupId: payload.groupId }, `${what}: the Kafka consumer stopped for good; exiting so that a supervisor restarts the service`);
    exit(1);
  });
}
