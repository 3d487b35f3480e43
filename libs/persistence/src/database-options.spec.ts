import { EventEmitter } from 'node:events';
import type { ClientBase } from 'pg';
import { dataSourceOptions } from './database-options';

describe('dataSourceOptions', () => {
  it('gives every pooled connection a lasting error listener, so a dropped connection cannot end the process', () => {
    const { extra } = dataSourceOptions('postgres://postgres@127.0.0.1:5432/x') as { extra: { onConnect: (client: ClientBase) => void } };
    const client = new EventEmitter();
    extra.onConnect(client as unknown as ClientBase);
    // What pg does when PostgreSQL terminates an idle connection nobody else listens to.
    expect(() => client.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).not.toThrow();
  });
});
