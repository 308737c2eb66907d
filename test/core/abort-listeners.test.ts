import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { onAbort } from '../../functions/core/abort-listeners';

// onAbort: many short-lived listeners on one signal, as EventTarget's 'abort' listeners with { once: true } behave.

test('every callback is called once when the signal aborts, in the order added; a stopped one is not', () => {
  const controller = new AbortController();
  const calls: string[] = [];
  onAbort(controller.signal, () => calls.push('a'));
  const stopB = onAbort(controller.signal, () => calls.push('b'));
  onAbort(controller.signal, () => calls.push('c'));
  stopB();
  controller.abort();
  controller.abort();
  expect(calls).toEqual(['a', 'c']);
});

test('the signal has one listener of its own while anything listens through it, none once the last stops', () => {
  const controller = new AbortController();
  // A composite signal is kept alive while it has a listener: the one this adds must go with the last callback.
  const signal = AbortSignal.any([controller.signal]);
  const stops = Array.from({ length: 100 }, () => onAbort(signal, () => undefined));
  expect(getEventListeners(signal, 'abort')).toHaveLength(1);
  for (const stop of stops.slice(1)) stop();
  expect(getEventListeners(signal, 'abort')).toHaveLength(1);
  stops[0]();
  stops[0]();
  expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  // Listening again after that adds it again, and the abort still reaches the callback.
  let called = 0;
  onAbort(signal, () => called++);
  expect(getEventListeners(signal, 'abort')).toHaveLength(1);
  controller.abort();
  expect(called).toBe(1);
  expect(getEventListeners(signal, 'abort')).toHaveLength(0);
});

test('during the abort, a callback removed by an earlier one is not called, and one added is not called for it', () => {
  const controller = new AbortController();
  const calls: string[] = [];
  let stopC = () => undefined as void;
  onAbort(controller.signal, () => {
    calls.push('a');
    stopC();
    onAbort(controller.signal, () => calls.push('added during the abort'));
  });
  onAbort(controller.signal, () => calls.push('b'));
  stopC = onAbort(controller.signal, () => calls.push('c'));
  controller.abort();
  expect(calls).toEqual(['a', 'b']);
});

test('each signal has its own callbacks; stopping after the abort is harmless', () => {
  const first = new AbortController();
  const second = new AbortController();
  const calls: string[] = [];
  const stopFirst = onAbort(first.signal, () => calls.push('first'));
  onAbort(second.signal, () => calls.push('second'));
  first.abort();
  stopFirst();
  expect(calls).toEqual(['first']);
  expect(getEventListeners(second.signal, 'abort')).toHaveLength(1);
  second.abort();
  expect(calls).toEqual(['first', 'second']);
});

test('a callback that throws does not keep the others from being called; its error is thrown on its own', () => {
  // In a node process of its own: jest's sandbox takes an uncaught exception for the test's failure.
  const program = `
    const { onAbort } = require(${JSON.stringify(join(__dirname, '..', '..', 'functions', 'core', 'abort-listeners.ts'))});
    const calls = [];
    process.on('uncaughtException', (error) => calls.push('uncaught: ' + error.message));
    const controller = new AbortController();
    onAbort(controller.signal, () => calls.push('a'));
    onAbort(controller.signal, () => { throw new Error('a callback failed'); });
    onAbort(controller.signal, () => calls.push('c'));
    controller.abort();
    calls.push('abort returned');
    setImmediate(() => process.stdout.write(JSON.stringify(calls)));`;
  const output = execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', program], { encoding: 'utf8' });
  expect(JSON.parse(output)).toEqual(['a', 'c', 'abort returned', 'uncaught: a callback failed']);
});
