import type OpenAI from 'openai';
import { MalformedAnswerError } from '../model-failure.js';

/** Inputs per embeddings request: large enough to embed a catalog in few calls. */
const BATCH_SIZE = 128;
/** Characters of one input; tool texts are short, queries are capped by validation. */
const MAX_INPUT_CHARS = 4_000;

/**
 * OpenAI-compatible embeddings. Catalog texts go out in batches; queries that arrive in
 * the same tick share one request, so a burst of searches costs one round trip.
 */
export class Embedder {
  private pending: {
    text: string;
    resolve: (v: Float32Array) => void;
    reject: (e: unknown) => void;
  }[] = [];

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
  ) {}

  async embedMany(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH_SIZE) {
      out.push(...(await this.request(texts.slice(i, i + BATCH_SIZE))));
    }
    return out;
  }

  embedQuery(text: string): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flushQueries());
    });
  }

  private flushQueries(): void {
    const batch = this.pending.splice(0, BATCH_SIZE);
    if (this.pending.length > 0) setImmediate(() => this.flushQueries());
    this.request(batch.map((p) => p.text)).then(
      (vectors) => batch.forEach((p, i) => p.resolve(vectors[i])),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }

  private async request(texts: readonly string[]): Promise<Float32Array[]> {
    const response = await this.client.embeddings.create({
      model: this.model,
      input: texts.map((t) => t.slice(0, MAX_INPUT_CHARS) || ' '),
      // Floats, not the client's default base64: not every compatible server speaks base64.
      encoding_format: 'float',
    });
    const data: unknown = response?.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new MalformedAnswerError('embeddings: wrong number of vectors');
    }
    const vectors: (Float32Array | undefined)[] = texts.map(() => undefined);
    for (const [position, item] of (data as unknown[]).entries()) {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      const at = typeof index === 'number' ? index : position;
      if (!Number.isInteger(at) || at < 0 || at >= texts.length || !Array.isArray(embedding)) {
        throw new MalformedAnswerError('embeddings: bad vector');
      }
      vectors[at] = normalize(Float32Array.from(embedding as number[]));
    }
    const complete = vectors.filter((v): v is Float32Array => v !== undefined && v.length > 0);
    if (complete.length !== texts.length) throw new MalformedAnswerError('embeddings: missing');
    const dims = complete[0].length;
    if (complete.some((v) => v.length !== dims || v.some((x) => !Number.isFinite(x)))) {
      throw new MalformedAnswerError('embeddings: inconsistent vectors');
    }
    return complete;
  }
}

/** Unit length, so similarity is a plain dot product. */
function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
