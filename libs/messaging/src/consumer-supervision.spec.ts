import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { exitWhenConsumerGivesUp } from './consumer-supervision';

/** Only the event surface the supervision uses: `events.CRASH` and `on`. */
function consumerEmitting(): { consumer: Consumer; crash: (restart: boolean) => void } {
  const emitter = new EventEmitter();
  const consumer = { events: { CRASH: 'consumer.crash' }, on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener) } as unknown as Consumer;
  return { consumer, crash: (restart) => emitter.emit('consumer.crash', { payload: { error: new Error('boom'), groupId: 'g', restart } }) };
}

describe('exitWhenConsumerGivesUp', () => {
  it('exits with 1 when kafkajs will not restart the consumer', () => {
    const { consumer, crash } = consumerEmitting();
    const exits: number[] = [];
    const logged: unknown[] = [];
    exitWhenConsumerGivesUp(consumer, { error: (message) => logged.push(message) }, 'test consumer', (code) => exits.push(code));
    crash(false);
    expect(exits).toEqual([1]);
    expect(logged).toEqual([{ error: 'Error: boom', groupId: 'g' }]);
  });

  it('lets kafkajs restart the consumer by itself after a retriable crash', () => {
    const { consumer, crash } = consumerEmitting();
    const exits: number[] = [];
    exitWhenConsumerGivesUp(consumer, { error: () => undefined }, 'test consumer', (code) => exits.push(code));
    crash(true);
    expect(exits).toEqual([]);
  });
});
