// Types of the ssetape Node API (index.js): DESIGN.md's interface, with
// the shapes of the control API's answers (docs/control-api.yaml).

export interface StartOptions {
  /** Cassette files or directories, resolved against cwd; none: the built-in sample. */
  cassettes?: string[];
  /** Allow this origin (or '*') for the replayed traffic. */
  cors?: string;
  /** Pace factor: 2 is twice as fast, 'max' sends everything at once. */
  speed?: number | 'max';
  seed?: number;
  /** Fault specs for every request (docs/faults.md). */
  faults?: string[];
  /** Check every stream against a contract (auto, a preset, or a contract file). */
  contract?: string;
  /** A control token (SSETAPE_CONTROL_TOKEN); sent with every control call. */
  controlToken?: string;
  /** The ssetape binary; default SSETAPE_BINARY, else the platform package's. */
  binary?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** More arguments for ssetape replay. */
  args?: string[];
  /** A fixed port instead of a free one. */
  port?: number;
}

export interface Health { status: 'ok'; interactions: number; streams: number; journal?: number }

export interface FaultOptions { session?: string; method?: string; path?: string; times?: number }

export interface ArmedFault {
  id: string;
  fault: string;
  session: string | null;
  method: string | null;
  path: string | null;
  times: number;
  /** null for a fault armed until it is disarmed (times 0). */
  times_left: number | null;
}

export interface StreamFilter { session?: string; state?: 'open' | 'held'; wait?: string }

export interface StreamInfo {
  id: string;
  session: string;
  method: string;
  path: string;
  interaction: string;
  events_sent: number;
  events_total: number;
  state: 'open' | 'held';
  next_type: string | null;
}

export type Until = string | { type: string; type_from?: string } | { data: string };

export interface ReleaseHow { events?: number; until?: Until; all?: boolean; speed?: number | 'max' }

export interface RequestFilter { session?: string; method?: string; path?: string; since?: string; wait?: string }

export interface JournalEntry {
  id: string;
  at: string;
  session: string;
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string[]>;
  body: string | { base64: string };
  body_truncated?: boolean;
  interaction: string | null;
  stream: string | null;
  status: number | null;
  faults: { fault: string; source: 'request' | 'armed' | 'cassette' | 'command-line'; armed_id: string | null }[];
  events_sent: number;
  end: { at: string; reason: string } | null;
  violations: { rule: string; severity: 'error' | 'warning'; event: number; message: string }[];
  violations_dropped?: number;
}

export interface Replay {
  url: string;
  pid: number;
  health(): Promise<Health>;
  fault(spec: string, o?: FaultOptions): Promise<string>;
  faults(): Promise<ArmedFault[]>;
  clearFaults(id?: string, o?: { session?: string }): Promise<void>;
  streams(f?: StreamFilter): Promise<StreamInfo[]>;
  release(id: string, how?: ReleaseHow): Promise<void>;
  end(id: string, how?: 'close' | 'reset'): Promise<void>;
  releaseAll(o?: { session?: string } & ReleaseHow): Promise<string[]>;
  endAll(o?: { session?: string; state?: 'open' | 'held'; how?: 'close' | 'reset' }): Promise<string[]>;
  requests(f?: RequestFilter): Promise<JournalEntry[]>;
  clearRequests(session?: string): Promise<void>;
  addCassette(c: string | object, o?: { session?: string }): Promise<string>;
  removeCassette(id: string): Promise<void>;
  reset(session?: string): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  close(): Promise<number>;
}

/** Starts ssetape replay on a free port (--ready-json, --exit-with-stdin). */
export function startReplay(opts?: StartOptions): Promise<Replay>;
