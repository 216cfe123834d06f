import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jobLogContext, withLogContext } from './log-context.js';
import { createLogger } from './logger.js';
import { PinoNestLogger } from './nest-logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger({ service: 'test', level: 'trace', destination }),
    raw: () => lines.join('\n'),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const SECRETS = ['Pa55-word!', 'flt_admin_secret', 's3cr3t-db', 'eyJhbGciOiJIUzI1NiJ9.abc', 'r3d1s-pw'];

describe('createLogger', () => {
  it('never writes a secret, whichever way it is logged', () => {
    const { logger, raw } = capture();
    logger.info(
      { vsphere: { username: 'administrator@vsphere.local', password: 'Pa55-word!' } },
      'vCenter login',
    );
    logger.info({ req: { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.abc' } } }, 'request');
    logger.warn('config DATABASE_URL=postgres://flotilla:s3cr3t-db@db:5432/flotilla');
    logger.error({ err: new Error('cannot reach redis://:r3d1s-pw@redis:6379') }, 'queue down');
    logger.child({ bootstrapAdminToken: 'flt_admin_secret' }).info('child binding');
    logger.info('formatted %s', 'postgres://flotilla:s3cr3t-db@db/flotilla');
    const output = raw();
    for (const secret of SECRETS) expect(output).not.toContain(secret);
    expect(output).toContain('administrator@vsphere.local');
    expect(output).toContain('[REDACTED]');
  });

  it('writes one JSON object per line with level, time, service and message', () => {
    const { logger, records } = capture();
    logger.info({ vms: 3 }, 'wave started');
    const [record] = records();
    expect(record).toMatchObject({ level: 'info', service: 'test', msg: 'wave started', vms: 3 });
    expect(typeof record?.time).toBe('string');
  });

  it('adds the request, execution and VM ids in force, across awaits', async () => {
    const { logger, records } = capture();
    await withLogContext({ requestId: 'req-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await withLogContext(
        jobLogContext({ id: 'job-9', name: 'advance-vm', data: { executionId: 'ex-1', vmKey: 'vc/vm-7' } }),
        async () => {
          await Promise.resolve();
          logger.info('step');
        },
      );
      logger.info('after');
    });
    logger.info('outside');
    const [step, after, outside] = records();
    expect(step).toMatchObject({
      requestId: 'req-1',
      executionId: 'ex-1',
      vmKey: 'vc/vm-7',
      jobId: 'job-9',
      jobName: 'advance-vm',
    });
    expect(after).toMatchObject({ requestId: 'req-1' });
    expect(after).not.toHaveProperty('executionId');
    expect(outside).not.toHaveProperty('requestId');
  });
});

describe('PinoNestLogger', () => {
  it("maps Nest's calls onto pino levels with the context and stack Nest passes", () => {
    const { logger, records } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/plans, GET} route', 'RouterExplorer');
    nest.warn('slow query');
    nest.error('Unhandled failure', 'Error: boom\n    at handler (app.js:1:1)', 'ExceptionsHandler');
    nest.verbose('details', 'Scanner');
    const [log, warn, error, verbose] = records();
    expect(log).toMatchObject({
      level: 'info',
      msg: 'Mapped {/plans, GET} route',
      context: 'RouterExplorer',
    });
    expect(warn).toMatchObject({ level: 'warn', msg: 'slow query' });
    expect(error).toMatchObject({ level: 'error', msg: 'Unhandled failure', context: 'ExceptionsHandler' });
    expect(String((error?.err as { stack?: string } | undefined)?.stack)).toContain('at handler');
    expect(verbose).toMatchObject({ level: 'trace', context: 'Scanner' });
  });

  it('logs an Error as err with its message, secrets scrubbed', () => {
    const { logger, records, raw } = capture();
    new PinoNestLogger(logger).error(new Error('login to postgres://u:Pa55-word!@db failed'));
    expect(records()[0]).toMatchObject({ level: 'error', err: { type: 'Error' } });
    expect(raw()).not.toContain('Pa55-word!');
  });

  it('follows the levels Nest enables', () => {
    const { logger, records } = capture();
    const nest = new PinoNestLogger(logger);
    nest.setLogLevels(['error', 'warn', 'log']);
    nest.debug('hidden');
    nest.log('shown');
    expect(records().map((record) => record.msg)).toEqual(['shown']);
  });
});
