import type OpenAI from 'openai';
import { MalformedAnswerError } from '../model-failure.js';

/** Inputs per embeddings request: large enough to embed a catalog in few calls. */
export const BATCH_SIZE = 128;
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

  private knownDimension: number | undefined;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
  ) {}

  /**
   * The length of the model's vectors, as far as this process has seen: set by every answer
   * for catalog texts, and by a query's answer only until then. A model may keep its name
   * and change its dimension (so cached vectors must be checked against this), but one that
   * answers queries and catalog texts in different lengths is broken: following its queries
   * would re-embed the whole catalog on every search without mending anything.
   */
  get dimension(): number | undefined {
    return this.knownDimension;
  }

  /** Catalog texts, at most BATCH_SIZE of them: one request, so its vectors can be kept at once. */
  async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors = await this.request(texts);
    this.knownDimension = vectors[0]?.length ?? this.knownDimension;
    return vectors;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const vector = await this.queued(text);
    this.knownDimension ??= vector.length;
    return vector;
  }

  private queued(text: string): Promise<Float32Array> {
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
