// A spec-following SSE parser for fetch streams (WHATWG HTML §9.2.6): lines end
// in CR, LF or CRLF (also split between reads), several data lines are joined
// with "\n", one space after the colon is removed, a blank line dispatches, and
// an unterminated block at the end is discarded. Bytes are decoded as a stream,
// so a UTF-8 character split between reads stays whole.
function createSSEParser(onEvent) {
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  let afterCR = false;
  let data = [];
  let type = '';
  let lastId = '';
  let bom = true;
  function line(l) {
    if (l === '') {
      if (data.length > 0) onEvent({ type: type || 'message', data: data.join('\n'), lastEventId: lastId });
      data = [];
      type = '';
      return;
    }
    if (l[0] === ':') return;
    const i = l.indexOf(':');
    const name = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\0')) lastId = value;
  }
  function feedText(text) {
    if (bom) {
      if (text.length === 0) return;
      if (text[0] === '\uFEFF') text = text.slice(1);
      bom = false;
    }
    for (let k = 0; k < text.length; k++) {
      const c = text[k];
      if (afterCR && c === '\n') { afterCR = false; continue; }
      afterCR = false;
      if (c === '\r' || c === '\n') {
        line(buf);
        buf = '';
        afterCR = c === '\r';
      } else {
        buf += c;
      }
    }
  }
  return {
    feed(bytes) { feedText(decoder.decode(bytes, { stream: true })); },
    end() { feedText(decoder.decode()); },
  };
}
