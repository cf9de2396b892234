import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { parseShimTraceLine, relayShimTrace, traceConfigRecord } from '../../../src/linux/shim-trace.js';
import { setTraceSink, type TraceEvent } from '../../../src/util/trace-events.js';

describe("the shim's trace lines", () => {
  it('parses a step with its fields and time', () => {
    expect(parseShimTraceLine('{"step":"clone","target":"(CLONE_NEWPID)","result":"pid 7","concept":"namespaces","t":1700000000123.456}')).toEqual({
      step: { step: 'clone', target: '(CLONE_NEWPID)', result: 'pid 7', concept: 'namespaces' },
      t: 1700000000123.456,
    });
  });

  it('drops what is not a step: bad JSON, no step, a field of the wrong type', () => {
    expect(parseShimTraceLine('{"step":')).toBeUndefined();
    expect(parseShimTraceLine('{"target":"x","t":1}')).toBeUndefined();
    expect(parseShimTraceLine('{"step":"x","errno":5,"t":1}')).toBeUndefined();
    expect(parseShimTraceLine('[1]')).toBeUndefined();
  });

  it('the config record names the fd, NUL-terminated like every record', () => {
    expect(traceConfigRecord(5).toString()).toBe('trace=5\0');
  });

  it('relays lines split across chunks, as shim steps timed against our clock, until EOF', async () => {
    const got: TraceEvent[] = [];
    setTraceSink((e) => got.push(e));
    const pipe = new PassThrough();
    const t = performance.timeOrigin + 250;
    try {
      const done = relayShimTrace(pipe);
      pipe.write(`{"step":"mount","target":"/r","va`);
      pipe.write(`lue":"proc","t":${t}}\n{"step":"pivot_root","t":${t + 1}}\n`);
      pipe.end();
      await done;
    } finally {
      setTraceSink(undefined);
    }
    expect(got.map((e) => [e.step, e.source, e.result])).toEqual([
      ['mount', 'shim', 'ok'],
      ['pivot_root', 'shim', 'ok'],
    ]);
    expect(got[0]?.t_ms).toBeCloseTo(250, 1);
  });
});
