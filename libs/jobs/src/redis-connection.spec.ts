import { describe, expect, it } from 'vitest';
import { redisConnectionOptions } from './redis-connection.js';

describe('redisConnectionOptions', () => {
  it('takes user, password, db and TLS from REDIS_URL and keeps BullMQ workers retrying', () => {
    const options = redisConnectionOptions('rediss://worker:p%40ss@redis.example:6380/3');
    expect(options).toMatchObject({
      host: 'redis.example',
      port: 6380,
      username: 'worker',
      password: 'p@ss',
      db: 3,
      tls: {},
    });
    expect(options.maxRetriesPerRequest).toBeNull();
    expect(options.sentinels).toBeUndefined();
  });

  it('asks Sentinels for the master when they are given', () => {
    const sentinels = [
      { host: 's1', port: 26380 },
      { host: 's2', port: 26379 },
    ];
    const options = redisConnectionOptions('redis://:secret@ignored:6379', { sentinels, name: 'flotilla' });
    expect(options).toMatchObject({ sentinels, name: 'flotilla', password: 'secret' });
  });
});
