// The seed's frontend: POST with fetch, read response.body.getReader(), parse
// the agent protocol's events and render them. Settings come from the page's
// own URL: api (the server), path, message, fault (sent as Ssetape-Fault),
// session (Ssetape-Session), timeout (ms without data before giving up),
// autostart.
const params = new URLSearchParams(location.search);
const api = params.get('api') || 'http://127.0.0.1:8080';
const path = params.get('path') || '/api/chat';
const timeoutMs = Number(params.get('timeout') || 10000);

const $ = (id) => document.getElementById(id);

function setState(state, text) {
  $('state').dataset.state = state;
  $('state').textContent = text || state;
  $('spinner').hidden = state !== 'streaming';
}

function fail(message) {
  $('error').textContent = message;
  setState('error');
}

async function run() {
  for (const id of ['thinking', 'tools', 'answer', 'final', 'error']) $(id).textContent = '';
  setState('streaming');
  const headers = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
  if (params.get('fault')) headers['Ssetape-Fault'] = params.get('fault');
  if (params.get('session')) headers['Ssetape-Session'] = params.get('session');
  const controller = new AbortController();
  let timer;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
  };
  let sawDone = false;
  let failed = false;
  const parser = createSSEParser((ev) => {
    if (failed || sawDone) return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch (e) {
      failed = true;
      fail(`malformed event: ${ev.type}`);
      controller.abort(new Error('malformed'));
      return;
    }
    switch (msg.type) {
      case 'thinking': $('thinking').textContent = msg.content; break;
      case 'text_delta': $('answer').textContent += msg.content; break;
      case 'tool_call': {
        const div = document.createElement('div');
        div.className = 'tool';
        div.dataset.id = msg.id || msg.tool || msg.name;
        div.textContent = `${msg.name || msg.tool}(${JSON.stringify(msg.arguments || msg.input || {})})`;
        $('tools').appendChild(div);
        break;
      }
      case 'tool_result': {
        const div = document.createElement('div');
        div.className = 'tool result';
        div.textContent = `→ ${typeof msg.content === 'string' ? msg.content : JSON.stringify(msg.result)}`;
        $('tools').appendChild(div);
        break;
      }
      case 'final_answer': $('final').textContent = msg.content; break;
      case 'error': failed = true; fail(msg.message || 'error'); break;
      case 'done':
        sawDone = true;
        if (!failed) setState('done');
        break;
    }
  });
  try {
    arm();
    const resp = await fetch(api + path, {
      method: 'POST', headers, body: JSON.stringify({ message: params.get('message') || 'この資料を分析して' }),
      signal: controller.signal,
    });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    const reader = resp.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      arm();
      parser.feed(value);
      if (failed || sawDone) break;
    }
    parser.end();
    if (!sawDone && !failed) fail('the stream ended without done');
  } catch (e) {
    if (failed) return;
    const reason = controller.signal.reason;
    if (reason && reason.message === 'timeout') fail('timeout: no data from the server');
    else fail(`connection lost: ${e.message}`);
  } finally {
    clearTimeout(timer);
  }
}

$('send').addEventListener('click', run);
if (params.get('autostart')) run();
