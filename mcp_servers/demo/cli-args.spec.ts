import { describe, expect, it } from '@jest/globals';
import { parseArgs, UsageError } from './cli-args.js';

describe('parseArgs', () => {
  it('defaults to stdio', () => {
    expect(parseArgs([])).toEqual({ transport: 'stdio' });
  });

  it.each<[string[], number]>([
    [['--http', '0'], 0],
    [['--http', '8080'], 8080],
    [['--http=65535'], 65535],
  ])('parses %j as HTTP on port %d', (argv, port) => {
    expect(parseArgs(argv)).toEqual({ transport: 'http', port });
  });

  it('recognises --help', () => {
    expect(parseArgs(['--http', '1', '-h'])).toEqual({ transport: 'help' });
  });

  it.each<[string[], string]>([
    [['--http'], '--http needs a PORT'],
    [['--http', 'abc'], "Invalid port 'abc'"],
    [['--http', '-1'], "Invalid port '-1'"],
    [['--http', '65536'], "Invalid port '65536'"],
    [['--http', '1.5'], "Invalid port '1.5'"],
    [['--stdio'], "Unknown argument '--stdio'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
