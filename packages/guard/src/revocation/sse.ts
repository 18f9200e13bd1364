/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event` field; `message` when absent. */
  readonly event: string;
  readonly data: string;
  /** The last event id seen on the stream so far (`undefined` before any). */
  readonly id: string | undefined;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** A `:` comment line (servers send them as keep-alives), without the colon. */
  onComment?(text: string): void;
  /** A valid `retry` field, in ms. */
  onRetry?(ms: number): void;
}

export interface SseParser {
  /** Feeds decoded text; chunks may split lines, fields and CRLF pairs anywhere. */
  feed(chunk: string): void;
  /** Forgets a partial line and event (on reconnect); keeps the last event id. */
  reset(): void;
}

/** A line longer than this means a broken or hostile server; the parser throws. */
const MAX_LINE = 1024 * 1024;

/**
 * A parser for `text/event-stream` as the HTML standard defines it (§9.2.6 "Interpreting an event
 * stream"): lines end with CRLF, LF or CR; `field: value` with one optional space; `data` lines
 * join with LF; an empty line dispatches; an event with no data is dropped; `id` with NUL is
 * ignored; a leading BOM is skipped.
 */
export function createSseParser(handlers: SseHandlers): SseParser {
  let buffer = '';
  let first = true;
  let skipLf = false;
  let data: string[] = [];
  let event = '';
  let lastId: string | undefined;

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0)
        handlers.onEvent({ event: event === '' ? 'message' : event, data: data.join('\n'), id: lastId });
      data = [];
      event = '';
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) {
      handlers.onComment?.(text.slice(1).replace(/^ /, ''));
      return;
    }
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) lastId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) handlers.onRetry?.(Number(value));
    }
  };

  return {
    feed(chunk) {
      let text = chunk;
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (skipLf && text.startsWith('\n')) text = text.slice(1);
      skipLf = false;
      buffer += text;
      let start = 0;
      for (;;) {
        const cr = buffer.indexOf('\r', start);
        const lf = buffer.indexOf('\n', start);
        const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        if (end === -1) break;
        line(buffer.slice(start, end));
        start = end + 1;
        if (buffer[end] === '\r') {
          // CRLF is one line end; a CR ending this chunk may be followed by LF in the next one.
          if (end + 1 === buffer.length) skipLf = true;
          else if (buffer[end + 1] === '\n') start = end + 2;
        }
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_LINE) throw new Error('event-stream line too long');
    },
    reset() {
      buffer = '';
      first = true;
      skipLf = false;
      data = [];
      event = '';
    },
  };
}
