/** The event-stream parser against the HTML standard's interpretation rules (§9.2.6). */
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../src/revocation/sse.ts';

function parse(chunks: readonly string[]) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = createSseParser({
    onEvent: (event) => events.push(event),
    onComment: (text) => comments.push(text),
    onRetry: (ms) => retries.push(ms),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return { events, comments, retries, parser };
}

const FEED =
  '\uFEFF: ping\n\nid: 12\nevent: revocation\ndata: {"seq":12}\n\n' +
  'data: first\ndata:second\ndata\n\nretry: 1500\nretry: 1s\nid: bad\0id\nevent: x\n\nid: 13\ndata: last\n\n';

describe('createSseParser', () => {
  it('dispatches events with type, id and joined data; reports comments and retry', () => {
    const { events, comments, retries } = parse([FEED]);
    expect(events).toEqual([
      { event: 'revocation', data: '{"seq":12}', id: '12' },
      { event: 'message', data: 'first\nsecond\n', id: '12' },
      { event: 'message', data: 'last', id: '13' },
    ]);
    expect(comments).toEqual(['ping']);
    expect(retries).toEqual([1500]);
  });

  it('gives the same result whatever the chunking (byte by byte, CRLF split across chunks)', () => {
    const whole = parse([FEED]).events;
    expect(parse([...FEED]).events).toEqual(whole);
    const crlf = FEED.replace(/\n/g, '\r\n');
    expect(parse([crlf]).events).toEqual(whole);
    expect(parse([...crlf]).events).toEqual(whole);
    for (let cut = 1; cut < crlf.length; cut += 7)
      expect(parse([crlf.slice(0, cut), crlf.slice(cut)]).events).toEqual(whole);
  });

  it('accepts bare CR line endings', () => {
    expect(parse(['data: a\r\rdata: b\r', '\r']).events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('drops an event without data and an unterminated one', () => {
    expect(parse(['event: revocation\n\n', 'data: half']).events).toEqual([]);
  });

  it('strips exactly one space after the colon, and treats a line without colon as a field name', () => {
    expect(parse(['data:  two spaces\n\n']).events[0]?.data).toBe(' two spaces');
    expect(parse(['data\n\n']).events[0]?.data).toBe('');
  });

  it('reset() forgets a partial event but keeps the last id', () => {
    const { parser, events } = parse(['id: 7\ndata: x\n\ndata: partial']);
    parser.reset();
    parser.feed('data: y\n\n');
    expect(events.map((e) => [e.data, e.id])).toEqual([
      ['x', '7'],
      ['y', '7'],
    ]);
  });

  it('refuses an endless line', () => {
    const parser = createSseParser({ onEvent: () => {} });
    expect(() => parser.feed(`data: ${'x'.repeat(1024 * 1024 + 1)}`)).toThrow(/too long/);
  });
});
