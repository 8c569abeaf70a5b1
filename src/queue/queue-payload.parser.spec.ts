import { describe, expect, it } from '@jest/globals';
import { parseQueuePayload } from './queue-payload.parser.js';

const parse = (payload: unknown, maxBytes = 10_000) =>
  parseQueuePayload(typeof payload === 'string' ? payload : JSON.stringify(payload), maxBytes);

describe('parseQueuePayload', () => {
  it('accepts each op with its fields, dropping nulls', () => {
    expect(
      parse({ id: 'a', op: 'execute', tool_name: 'demo__echo', args: { message: 'x' } }),
    ).toEqual({
      kind: 'request',
      request: { id: 'a', op: 'execute', tool_name: 'demo__echo', args: { message: 'x' } },
    });
    expect(parse({ id: 'b', op: 'search', query: 'q', limit: 3, servers: ['demo'] })).toEqual({
      kind: 'request',
      request: { id: 'b', op: 'search', query: 'q', limit: 3, servers: ['demo'] },
    });
    const at = 1_795_000_000_000;
    expect(parse({ id: 'c', op: 'list_tools', session_id: null, deadline_ms: at })).toEqual({
      kind: 'request',
      request: { id: 'c', op: 'list_tools', deadline_ms: at },
    });
    expect(parse({ id: 'd', op: 'list_servers', session_id: 'sess_1' })).toMatchObject({
      kind: 'request',
    });
  });

  it('cannot answer an entry without a JSON object carrying a string id', () => {
    expect(parseQueuePayload(undefined, 100)).toEqual({
      kind: 'poison',
      reason: 'the entry has no "payload" field',
    });
    expect(parse('{not json')).toMatchObject({ kind: 'poison', reason: /not valid JSON/ });
    expect(parse('[1,2]')).toMatchObject({ kind: 'poison', reason: /not a JSON object/ });
    expect(parse({ op: 'list_tools' })).toMatchObject({ kind: 'poison', reason: /"id"/ });
    expect(parse({ id: 7, op: 'list_tools' })).toMatchObject({ kind: 'poison' });
    expect(parse({ id: '', op: 'list_tools' })).toMatchObject({ kind: 'poison' });
    expect(parse({ id: 'x'.repeat(257), op: 'list_tools' })).toMatchObject({ kind: 'poison' });
  });

  it('answers a bad request that has an id with every problem named', () => {
    const parsed = parse({ id: 'e', op: 'execute', args: [1], limit: 2, timeout_ms: 0 });
    expect(parsed).toMatchObject({ kind: 'invalid', id: 'e', tooLarge: false });
    if (parsed.kind !== 'invalid') throw new Error('expected invalid');
    expect(parsed.details).toEqual([
      'unknown field "limit" for op "execute"',
      '"tool_name" is required for op "execute"',
      '"args" must be a JSON object',
      '"timeout_ms" must be a positive integer',
    ]);
    expect(parse({ id: 'f', op: 'delete_everything' })).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining(
        '"op" must be one of execute, search, list_tools, list_servers',
      ),
    });
    expect(parse({ id: 'g', op: 'search', query: 'q', limit: 51 })).toMatchObject({
      kind: 'invalid',
      details: ['"limit" must be an integer from 1 to 50'],
    });
    expect(parse({ id: 'h', op: 'list_tools', deadline_ms: 'soon' })).toMatchObject({
      kind: 'invalid',
    });
  });

  it('answers a deadline in seconds as one, instead of running nothing', () => {
    expect(parse({ id: 's', op: 'list_tools', deadline_ms: 1_795_000_000 })).toMatchObject({
      kind: 'invalid',
      details: ['"deadline_ms" must be a Unix time in milliseconds; 1795000000 looks like seconds'],
    });
  });

  it('refuses a payload naming a member twice, and cannot answer one naming its id twice', () => {
    expect(
      parse('{"id":"t","op":"execute","tool_name":"demo__echo","tool_name":"demo__time"}'),
    ).toMatchObject({
      kind: 'invalid',
      id: 't',
      details: ['"payload" names "tool_name" twice in one object'],
    });
    expect(parse('{"id":"a1","id":"a2","op":"list_tools"}')).toEqual({
      kind: 'poison',
      reason: '"payload" names "id" twice',
    });
    // An "id" twice inside the arguments leaves the request's own id clear: it is answered.
    expect(
      parse('{"id":"r1","op":"execute","tool_name":"db__update","args":{"id":5,"id":6}}'),
    ).toMatchObject({
      kind: 'invalid',
      id: 'r1',
      details: ['"payload" names "id" twice in one object'],
    });
  });

  it('answers a member named __proto__ in the arguments, never drops it', () => {
    const text = '{"id":"p","op":"execute","tool_name":"t","args":{"a":1,"__proto__":{"x":1}}}';
    expect(parse(text)).toMatchObject({
      kind: 'invalid',
      id: 'p',
      message:
        'Invalid request: "payload" has a member named "__proto__" in args, which is refused',
    });
  });

  it('answers arguments nested too deep, or with a number beyond a double, naming it', () => {
    const huge = '{"id":"n","op":"execute","tool_name":"t","args":{"x":[2,1e400]}}';
    expect(parse(huge)).toMatchObject({
      kind: 'invalid',
      id: 'n',
      message: 'Invalid request: "payload" has a number too large to represent at args.x[1]',
    });
    const deep = `{"id":"d","op":"execute","tool_name":"t","args":{"x":${'['.repeat(80)}${']'.repeat(80)}}}`;
    expect(parse(deep)).toMatchObject({
      kind: 'invalid',
      message: 'Invalid request: "payload" is nested deeper than 64 levels',
    });
  });

  it('answers an oversized payload as too large, without looking further', () => {
    const parsed = parse(
      { id: 'big', op: 'execute', tool_name: 't', args: { s: 'x'.repeat(200) } },
      100,
    );
    expect(parsed).toMatchObject({ kind: 'invalid', id: 'big', tooLarge: true });
  });
});
