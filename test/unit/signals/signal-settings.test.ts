import { DEFAULT_SIGNAL_BATCH_SIZE, loadConfig } from '../../../server/shared/config.js';

describe('SIGNAL_BATCH_SIZE: tickets a signal is delivered to per batch', () => {
  test('defaults to 100; a whole number up to 10000 sets it', () => {
    expect(DEFAULT_SIGNAL_BATCH_SIZE).toBe(100);
    expect(loadConfig({}).signalBatchSize).toBe(DEFAULT_SIGNAL_BATCH_SIZE);
    expect(loadConfig({ SIGNAL_BATCH_SIZE: '7' }).signalBatchSize).toBe(7);
    expect(loadConfig({ SIGNAL_BATCH_SIZE: '10000' }).signalBatchSize).toBe(10_000);
  });

  test.each(['0', '-5', '2.5', 'ten', '', '10001'])('"%s" is refused, naming the setting: the server does not start', (value) => {
    expect(() => loadConfig({ SIGNAL_BATCH_SIZE: value })).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringContaining('SIGNAL_BATCH_SIZE') }),
    );
  });
});
