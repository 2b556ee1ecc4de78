// The Node API of ssetape: start a replay server and drive it through its
// control API (docs/control-api.md). ESM; types in index.d.ts.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { binaryPath } from './lib/binary.js';

/** How long startReplay waits for the server to say it serves. */
const START_TIMEOUT_MS = 30_000;
/** How much of the server's standard error is kept, for error messages. */
const KEEP_STDERR = 64 * 1024;

/**
 * Starts `ssetape replay` on a free loopback port and resolves once it
 * answers health. It rejects with the CLI's own message when the server
 * cannot start (a bad cassette, say).
 */
export async function startReplay(opts = {}) {
  const cwd = opts.cwd ?? process.cwd();
  const args = ['replay', '--listen', '127.0.0.1:0', '--ready-json', '--exit-with-stdin', '--quiet'];
  if (opts.cors) args.push('--cors', opts.cors);
  if (opts.speed !== undefined) args.push('--speed', String(opts.speed));
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  for (const f of opts.faults ?? []) args.push('--fault', f);
  if (opts.contract) args.push('--contract', opts.contract);
  if (opts.port) args[2] = `127.0.0.1:${opts.port}`;
  args.push(...(opts.args ?? []));
  for (const c of opts.cassettes ?? []) args.push(resolve(cwd, c));
  const env = { ...process.env, ...(opts.env ?? {}) };
  if (opts.controlToken) env.SSETAPE_CONTROL_TOKEN = opts.controlToken;
  const bin = binaryPath(opts.binary);
  // stdin stays open and unwritten: its end (this process exiting, however
  // it dies) stops the server (--exit-with-stdin).
  const child = spawn(bin, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { stderr = (stderr + s).slice(-KEEP_STDERR); });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const url = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`ssetape replay did not start within ${START_TIMEOUT_MS / 1000} s\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.on('error', (err) => { clearTimeout(timer); rej(new Error(`ssetape: could not run ${bin}: ${err.message}`)); });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      out += s;
      for (const line of out.split('\n')) {
        try {
          const m = JSON.parse(line);
          if (m.ready && m.url) { clearTimeout(timer); res(m.url); return; }
        } catch { /* not the ready line (yet) */ }
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const msg = stderr.trim().split('\n').filter((l) => l.startsWith('ssetape')).pop() || stderr.trim();
      rej(new Error(msg || `ssetape replay exited (${signal ?? code}) before serving`));
    });
  });
  child.stdout.resume(); // drain anything later
  const r = new Replay(url, child, exited, opts.controlToken);
  await r.health();
  return r;
}

/** A running replay server; every method is one control API call. */
export class Replay {
  #child; #exited; #token;

  constructor(url, child, exited, token) {
    this.url = url;
    this.pid = child.pid;
    this.#child = child;
    this.#exited = exited;
    this.#token = token;
  }

  async #call(method, path, { query, body, raw, contentType } = {}) {
    const u = new URL(`/__ssetape/${path}`, this.url);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    }
    const headers = {};
    if (this.#token) headers.Authorization = `Bearer ${this.#token}`;
    let payload;
    if (raw !== undefined) {
      payload = raw;
      headers['Content-Type'] = contentType;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const resp = await fetch(u, { method, headers, body: payload });
    const text = await resp.text();
    let data;
    try { data = JSON.parse(text); } catch { data = { error: text }; }
    if (!resp.ok) {
      const err = new Error(`${data.error ?? text} (${method} ${u.pathname}: ${resp.status})`);
      err.status = resp.status;
      err.field = data.field;
      err.problems = data.problems;
      throw err;
    }
    return data;
  }

  /** GET /__ssetape/health. */
  health() { return this.#call('GET', 'health'); }

  /** Arms a fault; returns its id. times 0 keeps it until it is disarmed. */
  async fault(spec, o = {}) {
    const body = { fault: spec };
    for (const k of ['session', 'method', 'path', 'times']) if (o[k] !== undefined) body[k] = o[k];
    return (await this.#call('POST', 'faults', { body })).id;
  }

  /** The armed faults. */
  async faults() { return (await this.#call('GET', 'faults')).faults; }

  /** Disarms one fault, or every fault (of a session, with {session}). */
  async clearFaults(id, o = {}) {
    if (id) await this.#call('DELETE', `faults/${encodeURIComponent(id)}`);
    else await this.#call('DELETE', 'faults', { query: { session: o.session } });
  }

  /** The open streams; wait (such as '10s') answers as soon as one matches. */
  async streams(f = {}) { return (await this.#call('GET', 'streams', { query: f })).streams; }

  /** Lets a held stream go on (docs/control-api.md, "Holding and releasing"). */
  async release(id, how = {}) { await this.#call('POST', `streams/${encodeURIComponent(id)}/release`, { body: how }); }

  /** Ends an open stream now: 'close' (the default) or 'reset'. */
  async end(id, how = 'close') { await this.#call('POST', `streams/${encodeURIComponent(id)}/end`, { body: { how } }); }

  /** Releases every held stream of a session (or of all). */
  async releaseAll(o = {}) { return (await this.#call('POST', 'streams/release', { body: o })).released; }

  /** Ends every open stream of a session (or of all). */
  async endAll(o = {}) { return (await this.#call('POST', 'streams/end', { body: o })).ended; }

  /** The journal, oldest first; wait long-polls until one matches. */
  async requests(f = {}) { return (await this.#call('GET', 'requests', { query: f })).requests; }

  /** Clears the journal, or one session's entries. */
  async clearRequests(session) { await this.#call('DELETE', 'requests', { query: { session } }); }

  /** Adds a cassette (YAML text, or an object sent as JSON); returns its id. */
  async addCassette(c, o = {}) {
    const isText = typeof c === 'string';
    const res = await this.#call('POST', 'cassettes', {
      query: { session: o.session },
      raw: isText ? c : JSON.stringify(c),
      contentType: isText ? 'application/yaml' : 'application/json',
    });
    return res.id;
  }

  /** Removes a cassette added with addCassette. */
  async removeCassette(id) { await this.#call('DELETE', `cassettes/${encodeURIComponent(id)}`); }

  /** Clears the counters of a session, or of all. */
  async reset(session) { await this.#call('POST', 'reset', { body: session === undefined ? {} : { session } }); }

  /** Stops the server (SIGTERM) and resolves with its exit code. */
  async close() {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    const { code, signal } = await this.#exited;
    return code ?? (signal ? 128 : 1);
  }
}
