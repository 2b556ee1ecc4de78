// The GET variant: EventSource reconnects by itself and sends Last-Event-ID;
// it cannot send headers, so the fault and the session go in the query
// (ssetape_fault, ssetape_session). Settings from the page's URL: api, path,
// fault, session.
const params = new URLSearchParams(location.search);
const api = params.get('api') || 'http://127.0.0.1:8080';
const url = new URL((params.get('path') || '/events'), api);
if (params.get('fault')) url.searchParams.set('ssetape_fault', params.get('fault'));
if (params.get('session')) url.searchParams.set('ssetape_session', params.get('session'));

const $ = (id) => document.getElementById(id);
function setState(state, text) {
  $('state').dataset.state = state;
  $('state').textContent = text || state;
  $('spinner').hidden = state !== 'streaming' && state !== 'reconnecting';
}

let opens = 0;
let done = false;
const es = new EventSource(url);
setState('streaming');
es.onopen = () => {
  opens++;
  $('reconnects').textContent = String(opens - 1);
  if (!done) setState('streaming');
};
es.addEventListener('text_delta', (e) => {
  $('answer').textContent += JSON.parse(e.data).content;
  $('lastid').textContent = e.lastEventId;
});
es.addEventListener('done', (e) => {
  done = true;
  $('lastid').textContent = e.lastEventId;
  es.close();
  setState('done');
});
es.onerror = () => {
  if (done) return;
  if (es.readyState === EventSource.CONNECTING) setState('reconnecting');
  else { $('error').textContent = 'the stream closed before done'; setState('error'); }
};
