import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { applyBinary, CalculationError, tidyResult } from '../calculator/arithmetic.js';
import type { BinaryOperator } from '../calculator/arithmetic.js';
import {
  evaluateExpression,
  ExpressionSyntaxError,
  MAX_EXPRESSION_LENGTH,
} from '../calculator/expression-parser.js';
import { toolError, toolResult } from './results.js';

export const OPERATIONS = ['add', 'subtract', 'multiply', 'divide', 'power', 'modulo'] as const;
export type Operation = (typeof OPERATIONS)[number];

const OPERATION_SYMBOLS: Readonly<Record<Operation, BinaryOperator>> = {
  add: '+',
  subtract: '-',
  multiply: '*',
  divide: '/',
  power: '^',
  modulo: '%',
};

export interface CalculatorInput {
  expression?: string;
  operation?: Operation;
  a?: number;
  b?: number;
}

export interface Calculation {
  /** The expression that was evaluated (for `operation` mode, e.g. "3 + 4"). */
  expression: string;
  result: number;
}

/** Validates the input combination and computes; throws on any user-facing error. */
export function calculate(input: CalculatorInput): Calculation {
  const { expression, operation, a, b } = input;
  if (expression !== undefined) {
    if (operation !== undefined || a !== undefined || b !== undefined) {
      throw new CalculationError(
        'Provide either `expression`, or `operation` with `a` and `b` - not both.',
      );
    }
    return { expression: expression.trim(), result: tidyResult(evaluateExpression(expression)) };
  }
  if (operation === undefined) {
    throw new CalculationError(
      'Nothing to calculate: provide `expression` (e.g. "2 * (3 + 4)"), or `operation` with `a` and `b`.',
    );
  }
  if (a === undefined || b === undefined) {
    throw new CalculationError(`Operation '${operation}' needs both numbers \`a\` and \`b\`.`);
  }
  const symbol = OPERATION_SYMBOLS[operation];
  return { expression: `${a} ${symbol} ${b}`, result: tidyResult(applyBinary(symbol, a, b)) };
}

export function registerCalculatorTool(server: McpServer): void {
  server.registerTool(
    'calculator',
    {
      title: 'Calculator',
      description:
        'Evaluates arithmetic exactly as written, with no code execution. Either pass `expression`, ' +
        'e.g. "2 * (3 + 4) / 5 - 2^3", using + - * / % ^ (power, right-associative), unary minus, ' +
        'parentheses, decimals, the constants pi, e, tau and the functions sqrt, cbrt, abs, ' +
        'round(x[, digits]), floor, ceil, trunc, sign, exp, ln, log(x[, base]) (base 10 by default), ' +
        'log2, log10, sin, cos, tan, asin, acos, atan (radians), min(...), max(...); ' +
        'or pass `operation` with two numbers `a` and `b`. ' +
        'Division by zero and malformed input are reported as errors.',
      inputSchema: {
        expression: z
          .string()
          .optional()
          .describe(
            `Arithmetic expression to evaluate, at most ${MAX_EXPRESSION_LENGTH} characters, e.g. "sqrt(2)^2 + 10 % 4". Do not combine with \`operation\`.`,
          ),
        operation: z
          .enum(OPERATIONS)
          .optional()
          .describe('Binary operation to apply to `a` and `b` (used instead of `expression`).'),
        a: z.number().optional().describe('Left operand for `operation`.'),
        b: z.number().optional().describe('Right operand for `operation`.'),
      },
      outputSchema: {
        expression: z.string().describe('The expression that was evaluated'),
        result: z.number().describe('The numeric result'),
      },
      annotations: {
        title: 'Calculator',
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (input) => {
      let calculation: Calculation;
      try {
        calculation = calculate(input);
      } catch (error) {
        if (error instanceof ExpressionSyntaxError) {
          return toolError(`Invalid expression: ${error.message}`);
        }
        if (error instanceof CalculationError) return toolError(error.message);
        throw error;
      }
      return toolResult(`${calculation.expression} = ${calculation.result}`, { ...calculation });
    },
  );
}
