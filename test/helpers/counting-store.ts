// A real store whose method calls are counted, to prove how many queries a route makes.
import type { Store } from '../../src/store/store.js';

export interface CountingStore {
  store: Store;
  /** method name → number of calls since the last reset. */
  calls: Map<string, number>;
  reset(): void;
}

export function countingStore(target: Store): CountingStore {
  const calls = new Map<string, number>();
  const store = new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { store, calls, reset: () => calls.clear() };
}
