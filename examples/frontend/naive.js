// The seed article's client, kept as it was written: it decodes each read on
// its own (no { stream: true }, so a UTF-8 character split between reads turns
// into U+FFFD), splits on '\n' only (so CR line endings never end a line) and
// takes only lines that start with 'data: '. Settings as for index.html.
const params = new URLSearchParams(location.search);
const api = params.get('api') || 'http://127.0.0.1:8080';
const path = params.get('path') || '/api/chat';
const $ = (id) => document.getElementById(id);
function setState(state) {
  $('state').dataset.state = state;
  $('state').textContent = state;
  $('spinner').hidden = state !== 'streaming';
}

async function run() {
  setState('streaming');
  const headers = { 'Content-Type': 'application/json' };
  if (params.get('fault')) headers['Ssetape-Fault'] = params.get('fault');
  if (params.get('session')) headers['Ssetape-Session'] = params.get('session');
  const response = await fetch(api + path, { method: 'POST', headers, body: JSON.stringify({ message: 'hi' }) });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value);
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      if (line.startsWith('data: ')) {
        const data = JSON.parse(line.slice(6));
        if (data.type === 'text_delta') $('answer').textContent += data.content;
        if (data.type === 'done') setState('done');
      }
    }
  }
}
run().catch((e) => { $('error').textContent = String(e); setState('error'); });
