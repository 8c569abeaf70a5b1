/**
 * A small, safe arithmetic expression language: tokenizer + recursive-descent
 * parser producing an AST, and a tree-walking evaluator. Nothing here ever
 * hands user input to `eval`/`Function`.
 *
 * Grammar (lowest to highest precedence):
 *
 *   expression     := additive
 *   additive       := multiplicative (('+' | '-') multiplicative)*      left-assoc
 *   multiplicative := unary (('*' | '/' | '%') unary)*                  left-assoc
 *   unary          := ('+' | '-') unary | power
 *   power          := primary ('^' unary)?                              right-assoc
 *   primary        := NUMBER | IDENT | IDENT '(' arguments? ')' | '(' expression ')'
 *   arguments      := expression (',' expression)*
 *
 * So `-2^2` is -4 (as in mathematics), `2^-1` is 0.5 and `2^3^2` is 2^9.
 * `**` is accepted as a synonym for `^`, and the Unicode signs × ÷ − for * / -.
 */
import { applyBinary, CalculationError, ensureFinite, type BinaryOperator } from './arithmetic.js';

export { CalculationError } from './arithmetic.js';

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Deepest nesting of parentheses, unary signs, powers and function calls accepted. */
export const MAX_NESTING_DEPTH = 64;

/** The expression is malformed or exceeds a limit (as opposed to a {@link CalculationError}). */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';

  /** 1-based column of the offending character, when there is one. */
  readonly column: number | undefined;

  constructor(message: string, column?: number) {
    super(column === undefined ? message : `${message} (at column ${column})`);
    this.column = column;
  }
}

// ---------------------------------------------------------------------------
// Tokens

export type Token =
  | { readonly type: 'number'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly type: 'identifier'; readonly name: string; readonly pos: number }
  | { readonly type: 'operator'; readonly op: BinaryOperator; readonly pos: number }
  | { readonly type: 'lparen' | 'rparen' | 'comma' | 'end'; readonly pos: number };

const SINGLE_CHAR_OPERATORS: Readonly<Record<string, BinaryOperator>> = {
  '+': '+',
  '-': '-',
  '\u2212': '-', // − MINUS SIGN
  '*': '*',
  '\u00d7': '*', // × MULTIPLICATION SIGN
  '/': '/',
  '\u00f7': '/', // ÷ DIVISION SIGN
  '%': '%',
  '^': '^',
};

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isIdentStart = (ch: string | undefined): boolean =>
  ch !== undefined && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_');
const isIdentPart = (ch: string | undefined): boolean => isIdentStart(ch) || isDigit(ch);
const isSpace = (ch: string): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\u00a0';

/** Splits `source` into tokens; positions are 0-based offsets. The last token is always `end`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(ch) || (ch === '.' && isDigit(source[i + 1]))) {
      while (isDigit(source[i])) i++;
      if (source[i] === '.') {
        i++;
        while (isDigit(source[i])) i++;
      }
      // Exponent only when digits follow, so that `2e` stays "2 then the constant e".
      if (source[i] === 'e' || source[i] === 'E') {
        const sign = source[i + 1] === '+' || source[i + 1] === '-' ? 1 : 0;
        if (isDigit(source[i + 1 + sign])) {
          i += 1 + sign;
          while (isDigit(source[i])) i++;
        }
      }
      const text = source.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw new ExpressionSyntaxError(`Number ${text} is too large`, start + 1);
      }
      tokens.push({ type: 'number', value, text, pos: start });
      continue;
    }
    if (isIdentStart(ch)) {
      while (isIdentPart(source[i])) i++;
      tokens.push({ type: 'identifier', name: source.slice(start, i), pos: start });
      continue;
    }
    if (ch === '*' && source[i + 1] === '*') {
      tokens.push({ type: 'operator', op: '^', pos: start });
      i += 2;
      continue;
    }
    const op = SINGLE_CHAR_OPERATORS[ch];
    if (op !== undefined) {
      tokens.push({ type: 'operator', op, pos: start });
    } else if (ch === '(') {
      tokens.push({ type: 'lparen', pos: start });
    } else if (ch === ')') {
      tokens.push({ type: 'rparen', pos: start });
    } else if (ch === ',') {
      tokens.push({ type: 'comma', pos: start });
    } else {
      throw new ExpressionSyntaxError(`Unexpected character '${ch}'`, start + 1);
    }
    i++;
  }
  tokens.push({ type: 'end', pos: source.length });
  return tokens;
}

// ---------------------------------------------------------------------------
// Constants and functions

export const CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  e: Math.E,
  tau: 2 * Math.PI,
};

interface FunctionDef {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly apply: (args: readonly number[]) => number;
}

const unary = (fn: (x: number) => number): FunctionDef => ({
  minArgs: 1,
  maxArgs: 1,
  apply: (args) => fn(args[0]),
});

const positiveOnly =
  (name: string, fn: (x: number) => number) =>
  (x: number): number => {
    if (x <= 0)
      throw new CalculationError(`${name} is only defined for positive numbers (got ${x})`);
    return fn(x);
  };

function roundHalfAwayFromZero(x: number, digits = 0): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    throw new CalculationError(`round: digits must be an integer from 0 to 15 (got ${digits})`);
  }
  const factor = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * factor)) / factor;
}

export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  sqrt: unary((x) => {
    if (x < 0) throw new CalculationError(`sqrt of a negative number (${x}) is not a real number`);
    return Math.sqrt(x);
  }),
  cbrt: unary(Math.cbrt),
  abs: unary(Math.abs),
  round: { minArgs: 1, maxArgs: 2, apply: ([x, digits]) => roundHalfAwayFromZero(x, digits) },
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  trunc: unary(Math.trunc),
  sign: unary(Math.sign),
  exp: unary(Math.exp),
  ln: unary(positiveOnly('ln', Math.log)),
  log: {
    minArgs: 1,
    maxArgs: 2,
    apply: ([x, base]) => {
      if (x <= 0) throw new CalculationError(`log is only defined for positive numbers (got ${x})`);
      if (base === undefined) return Math.log10(x);
      if (base <= 0 || base === 1) {
        throw new CalculationError(`log: the base must be positive and not 1 (got ${base})`);
      }
      return Math.log(x) / Math.log(base);
    },
  },
  log2: unary(positiveOnly('log2', Math.log2)),
  log10: unary(positiveOnly('log10', Math.log10)),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tan: unary(Math.tan),
  asin: unary(Math.asin),
  acos: unary(Math.acos),
  atan: unary(Math.atan),
  min: { minArgs: 1, maxArgs: Infinity, apply: (args) => Math.min(...args) },
  max: { minArgs: 1, maxArgs: Infinity, apply: (args) => Math.max(...args) },
};

const knownNames = (): string =>
  `constants: ${Object.keys(CONSTANTS).join(', ')}; functions: ${Object.keys(FUNCTIONS).join(', ')}`;

// ---------------------------------------------------------------------------
// AST and parser

export type ExpressionNode =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'constant'; readonly name: string }
  | { readonly kind: 'unary'; readonly op: '+' | '-'; readonly operand: ExpressionNode }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
    }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ExpressionNode[] };

function describeToken(token: Token): string {
  switch (token.type) {
    case 'number':
      return `number ${token.text}`;
    case 'identifier':
      return `name '${token.name}'`;
    case 'operator':
      return `operator '${token.op}'`;
    case 'lparen':
      return "'('";
    case 'rparen':
      return "')'";
    case 'comma':
      return "','";
    case 'end':
      return 'end of expression';
  }
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): ExpressionNode {
    if (this.peek().type === 'end') throw new ExpressionSyntaxError('Expression is empty');
    const node = this.parseAdditive();
    const next = this.peek();
    if (next.type !== 'end') {
      const hint =
        next.type === 'rparen' ? ' (no matching opening parenthesis)' : ': expected an operator';
      throw new ExpressionSyntaxError(`Unexpected ${describeToken(next)}${hint}`, next.pos + 1);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private advance(): Token {
    const token = this.tokens[this.index];
    if (token.type !== 'end') this.index++;
    return token;
  }

  private peekOperator(...ops: BinaryOperator[]): BinaryOperator | undefined {
    const token = this.peek();
    return token.type === 'operator' && ops.includes(token.op) ? token.op : undefined;
  }

  private parseAdditive(): ExpressionNode {
    let left = this.parseMultiplicative();
    for (let op = this.peekOperator('+', '-'); op; op = this.peekOperator('+', '-')) {
      this.advance();
      left = { kind: 'binary', op, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): ExpressionNode {
    let left = this.parseUnary();
    for (let op = this.peekOperator('*', '/', '%'); op; op = this.peekOperator('*', '/', '%')) {
      this.advance();
      left = { kind: 'binary', op, left, right: this.parseUnary() };
    }
    return left;
  }

  /** Every operand goes through here, so this is where nesting depth is bounded. */
  private parseUnary(): ExpressionNode {
    if (++this.depth > MAX_NESTING_DEPTH) {
      throw new ExpressionSyntaxError(
        `Expression is nested too deeply (more than ${MAX_NESTING_DEPTH} levels of parentheses, signs, powers or function calls)`,
        this.peek().pos + 1,
      );
    }
    try {
      const op = this.peekOperator('+', '-');
      if (op === '+' || op === '-') {
        this.advance();
        return { kind: 'unary', op, operand: this.parseUnary() };
      }
      return this.parsePower();
    } finally {
      this.depth--;
    }
  }

  private parsePower(): ExpressionNode {
    const base = this.parsePrimary();
    if (this.peekOperator('^')) {
      this.advance();
      // Recursing into unary (not primary) makes ^ right-associative and allows 2^-1.
      return { kind: 'binary', op: '^', left: base, right: this.parseUnary() };
    }
    return base;
  }

  private parsePrimary(): ExpressionNode {
    const token = this.advance();
    switch (token.type) {
      case 'number':
        return { kind: 'number', value: token.value };
      case 'identifier':
        return this.parseName(token.name, token.pos);
      case 'lparen': {
        const inner = this.parseAdditive();
        this.expectClosingParen(token.pos);
        return inner;
      }
      case 'operator':
      case 'rparen':
      case 'comma':
      case 'end':
        throw new ExpressionSyntaxError(
          `Unexpected ${describeToken(token)}: expected a number, a constant, a function call or '('`,
          token.pos + 1,
        );
    }
  }

  private parseName(rawName: string, pos: number): ExpressionNode {
    const name = rawName.toLowerCase();
    const isCall = this.peek().type === 'lparen';
    if (!isCall) {
      if (Object.hasOwn(CONSTANTS, name)) return { kind: 'constant', name };
      if (Object.hasOwn(FUNCTIONS, name)) {
        throw new ExpressionSyntaxError(
          `Function '${rawName}' must be called with parentheses, e.g. ${name}(2)`,
          pos + 1,
        );
      }
      throw new ExpressionSyntaxError(`Unknown name '${rawName}' (known ${knownNames()})`, pos + 1);
    }
    const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (fn === undefined) {
      const what = Object.hasOwn(CONSTANTS, name)
        ? `'${rawName}' is a constant, not a function`
        : `Unknown function '${rawName}'`;
      throw new ExpressionSyntaxError(`${what} (known ${knownNames()})`, pos + 1);
    }
    const open = this.advance();
    const args: ExpressionNode[] = [];
    if (this.peek().type !== 'rparen') {
      args.push(this.parseAdditive());
      while (this.peek().type === 'comma') {
        this.advance();
        args.push(this.parseAdditive());
      }
    }
    this.expectClosingParen(open.pos);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.minArgs === fn.maxArgs
          ? `${fn.minArgs}`
          : fn.maxArgs === Infinity
            ? `at least ${fn.minArgs}`
            : `${fn.minArgs} to ${fn.maxArgs}`;
      throw new ExpressionSyntaxError(
        `Function '${name}' takes ${expected} argument${expected === '1' ? '' : 's'}, got ${args.length}`,
        pos + 1,
      );
    }
    return { kind: 'call', name, args };
  }

  private expectClosingParen(openPos: number): void {
    const token = this.peek();
    if (token.type === 'rparen') {
      this.advance();
      return;
    }
    if (token.type === 'end') {
      throw new ExpressionSyntaxError(`Missing ')' to close the '(' at column ${openPos + 1}`);
    }
    throw new ExpressionSyntaxError(
      `Unexpected ${describeToken(token)}: expected ')' to close the '(' at column ${openPos + 1}`,
      token.pos + 1,
    );
  }
}

/** Parses `source` into an AST; throws {@link ExpressionSyntaxError} on malformed input. */
export function parseExpression(source: string): ExpressionNode {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `Expression is too long (${source.length} characters; the maximum is ${MAX_EXPRESSION_LENGTH})`,
    );
  }
  return new Parser(tokenize(source)).parse();
}

/** Evaluates an AST; throws {@link CalculationError} when the result is not a finite real number. */
export function evaluateNode(node: ExpressionNode): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'constant':
      return CONSTANTS[node.name];
    case 'unary': {
      const value = evaluateNode(node.operand);
      return node.op === '-' ? -value : value;
    }
    case 'binary':
      return applyBinary(node.op, evaluateNode(node.left), evaluateNode(node.right));
    case 'call': {
      const args = node.args.map(evaluateNode);
      return ensureFinite(FUNCTIONS[node.name].apply(args), `${node.name}(${args.join(', ')})`);
    }
  }
}

/**
 * Parses and evaluates `source`. Throws {@link ExpressionSyntaxError} for malformed or
 * oversized input and {@link CalculationError} for e.g. division by zero.
 */
export function evaluateExpression(source: string): number {
  return evaluateNode(parseExpression(source));
}
