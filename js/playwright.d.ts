// Types of the Playwright fixture (playwright.js).
import type { TestType, PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions, TestInfo } from '@playwright/test';
import type { Replay, StartOptions, FaultOptions, StreamFilter, ReleaseHow, RequestFilter, ArmedFault, StreamInfo, JournalEntry, Health } from './index.js';

export { expect } from '@playwright/test';

export interface SsetapeOptions extends Pick<StartOptions, 'cassettes' | 'speed' | 'cors' | 'contract' | 'port' | 'seed' | 'faults' | 'controlToken' | 'binary' | 'cwd' | 'args' | 'env'> {
  /** URL globs of the app's own backend (such as 'http://localhost:3000/api/**'), routed to the replay server. */
  intercept?: string[];
}

/** The replay server's methods, scoped to the test's session. */
export interface SsetapeFixture {
  url: string;
  session: string;
  health(): Promise<Health>;
  fault(spec: string, o?: Omit<FaultOptions, 'session'>): Promise<string>;
  faults(): Promise<ArmedFault[]>;
  clearFaults(id?: string): Promise<void>;
  streams(f?: Omit<StreamFilter, 'session'>): Promise<StreamInfo[]>;
  release(id: string, how?: ReleaseHow): Promise<void>;
  end(id: string, how?: 'close' | 'reset'): Promise<void>;
  releaseAll(how?: ReleaseHow): Promise<string[]>;
  endAll(how?: { how?: 'close' | 'reset'; state?: 'open' | 'held' }): Promise<string[]>;
  requests(f?: Omit<RequestFilter, 'session'>): Promise<JournalEntry[]>;
  clearRequests(): Promise<void>;
  addCassette(c: string | object): Promise<string>;
  removeCassette(id: string): Promise<void>;
  reset(): Promise<void>;
  /** Waits for a held stream of this test (wait such as '10s'). */
  held(wait?: string): Promise<StreamInfo>;
}

export function sessionOf(testInfo: TestInfo): string;

export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & { ssetape: SsetapeFixture },
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & { ssetapeOptions: SsetapeOptions; ssetapeServer: Replay }
>;
