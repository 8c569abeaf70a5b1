import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  CalculationError,
  evaluateExpression,
  ExpressionSyntaxError,
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING_DEPTH,
  parseExpression,
  tokenize,
} from './expression-parser.js';

describe('tokenize', () => {
  it('splits numbers, names, operators and punctuation with their offsets', () => {
    expect(tokenize('2.5*max(x, .5e1)')).toEqual([
      { type: 'number', value: 2.5, text: '2.5', pos: 0 },
      { type: 'operator', op: '*', pos: 3 },
      { type: 'identifier', name: 'max', pos: 4 },
      { type: 'lparen', pos: 7 },
      { type: 'identifier', name: 'x', pos: 8 },
      { type: 'comma', pos: 9 },
      { type: 'number', value: 5, text: '.5e1', pos: 11 },
      { type: 'rparen', pos: 15 },
      { type: 'end', pos: 16 },
    ]);
  });

  it('reads ** as ^ and the Unicode signs × ÷ − as * / -', () => {
    const ops = tokenize('1 ** 2 × 3 ÷ 4 − 5').flatMap((t) =>
      t.type === 'operator' ? [t.op] : [],
    );
    expect(ops).toEqual(['^', '*', '/', '-']);
  });

  it('only treats e as an exponent when digits follow', () => {
    expect(tokenize('2e3').map((t) => t.type)).toEqual(['number', 'end']);
    expect(tokenize('2e-3')[0]).toMatchObject({ value: 0.002 });
    expect(tokenize('2e').map((t) => t.type)).toEqual(['number', 'identifier', 'end']);
  });

  it('rejects characters outside the language', () => {
    expect(() => tokenize('2 $ 3')).toThrow("Unexpected character '$' (at column 3)");
  });
});

describe('evaluateExpression', () => {
  it.each<[string, number]>([
    ['42', 42],
    ['  3.25 ', 3.25],
    ['.5 + 1.', 1.5],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3], // - is left-associative
    ['100 / 10 / 5', 2], // / is left-associative
    ['17 % 5', 2],
    ['-7 % 3', -1], // sign of the dividend, like JavaScript
    ['2 * 3 % 4', 2], // * and % share a level, left to right
    ['2 ^ 10', 1024],
    ['2 ^ 3 ^ 2', 512], // ^ is right-associative: 2^(3^2)
    ['(2 ^ 3) ^ 2', 64],
    ['2 ** 3', 8],
    ['-2 ^ 2', -4], // unary minus binds looser than ^
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['2 * -3', -6],
    ['--3', 3],
    ['-+-3', 3],
    ['- (2 + 3)', -5],
    ['2 * (3 + 4) / 5 - 2^3', -5.2],
    ['1e3 + 2E-1', 1000.2],
    ['sqrt(16) + abs(-3)', 7],
    ['round(2.5) + round(-2.5)', 0], // half away from zero
    ['round(3.14159, 2)', 3.14],
    ['min(4, 2, 8) + max(1, 9)', 11],
    ['floor(2.7) + ceil(2.1) + trunc(-2.7)', 3],
    ['log(1000) + ln(e) + log2(8) + log(8, 2)', 10],
    ['cos(0) + sin(0)', 1],
    ['PI', Math.PI],
    ['2 * pi - tau', 0],
    ['SQRT(9)', 3], // names are case-insensitive
  ])('%s = %d', (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
  });

  it('accepts nesting up to the limit', () => {
    const depth = MAX_NESTING_DEPTH - 1;
    expect(evaluateExpression('('.repeat(depth) + '1' + ')'.repeat(depth))).toBe(1);
  });

  it('handles long flat chains without deep recursion problems', () => {
    const expression = Array.from({ length: 400 }, () => '1').join('+');
    expect(expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    expect(evaluateExpression(expression)).toBe(400);
  });
});

describe('evaluateExpression errors', () => {
  it.each<[string, string]>([
    ['', 'Expression is empty'],
    ['   ', 'Expression is empty'],
    [
      '2 +',
      "Unexpected end of expression: expected a number, a constant, a function call or '(' (at column 4)",
    ],
    ['* 2', "Unexpected operator '*'"],
    ['2 3', 'Unexpected number 3: expected an operator (at column 3)'],
    ['(1 + 2', "Missing ')' to close the '(' at column 1"],
    ['1 + 2)', "Unexpected ')' (no matching opening parenthesis) (at column 6)"],
    ['()', "Unexpected ')'"],
    ['2 (3)', "Unexpected '('"],
    ['foo + 1', "Unknown name 'foo'"],
    ['foo(1)', "Unknown function 'foo'"],
    ['pi(2)', "'pi' is a constant, not a function"],
    ['sqrt + 1', "Function 'sqrt' must be called with parentheses"],
    ['sqrt()', "Function 'sqrt' takes 1 argument, got 0"],
    ['sqrt(1, 2)', "Function 'sqrt' takes 1 argument, got 2"],
    ['round(1, 2, 3)', "Function 'round' takes 1 to 2 arguments, got 3"],
    ['max()', "Function 'max' takes at least 1 argument"],
    ['max(1,)', "Unexpected ')'"],
    ['1e999', 'Number 1e999 is too large'],
    // Object prototype names must not leak through as constants or functions.
    ['constructor', "Unknown name 'constructor'"],
    ['toString(1)', "Unknown function 'toString'"],
    ['__proto__', "Unknown name '__proto__'"],
  ])('%j is a syntax error', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(ExpressionSyntaxError);
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  it.each<[string, string]>([
    ['1 / 0', 'Division by zero'],
    ['1 / (2 - 2)', 'Division by zero'],
    ['5 % 0', 'Modulo by zero'],
    ['0 ^ -1', 'Division by zero'],
    ['10 ^ 400', 'overflows'],
    ['(-8) ^ (1/3)', 'is not a real number'],
    ['sqrt(-1)', 'sqrt of a negative number (-1) is not a real number'],
    ['ln(0)', 'ln is only defined for positive numbers'],
    ['log(8, 1)', 'the base must be positive and not 1'],
    ['asin(2)', 'asin(2) is not a real number'],
    ['exp(1000)', 'overflows'],
  ])('%j is a calculation error', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(CalculationError);
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  it('rejects expressions over the length cap before tokenizing', () => {
    const expression = '1+'.repeat(MAX_EXPRESSION_LENGTH) + '1';
    expect(() => evaluateExpression(expression)).toThrow(
      `Expression is too long (${expression.length} characters; the maximum is ${MAX_EXPRESSION_LENGTH})`,
    );
  });

  it.each<[string, string]>([
    ['parentheses', '('.repeat(400) + '1' + ')'.repeat(400)],
    ['unary signs', '-'.repeat(900) + '1'],
    ['powers', Array.from({ length: 300 }, () => '2').join('^')],
    ['function calls', 'abs('.repeat(150) + '1' + ')'.repeat(150)],
  ])('rejects deep nesting of %s quickly', (_kind, expression) => {
    expect(expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    const started = performance.now();
    expect(() => evaluateExpression(expression)).toThrow('Expression is nested too deeply');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('parseExpression', () => {
  it('builds a right-leaning tree for ^ and a left-leaning one for -', () => {
    expect(parseExpression('2^3^2')).toEqual({
      kind: 'binary',
      op: '^',
      left: { kind: 'number', value: 2 },
      right: {
        kind: 'binary',
        op: '^',
        left: { kind: 'number', value: 3 },
        right: { kind: 'number', value: 2 },
      },
    });
    expect(parseExpression('5-2-1')).toEqual({
      kind: 'binary',
      op: '-',
      left: {
        kind: 'binary',
        op: '-',
        left: { kind: 'number', value: 5 },
        right: { kind: 'number', value: 2 },
      },
      right: { kind: 'number', value: 1 },
    });
  });

  it('treats code as text, never executing it', () => {
    const sideEffects = globalThis as { pwned?: boolean };
    for (const attack of [
      'globalThis.pwned = true',
      'process.exit(1)',
      '(() => 1)()',
      'this',
      '"1" + 1',
      '1; 2',
      '[1][0]',
      'constructor.constructor("return 1")()',
    ]) {
      expect(() => evaluateExpression(attack)).toThrow(ExpressionSyntaxError);
    }
    expect(sideEffects.pwned).toBeUndefined();
  });

  it('contains no eval or Function constructor', () => {
    const source = readFileSync(new URL('./expression-parser.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/\beval\s*\(|new\s+Function\b|\bFunction\s*\(/);
  });
});
