import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { forgetGroup, listDescendants, rememberGroup, terminate } from './process-tree.js';

/**
 * How long a server's stdout may stay open after it exited (a child of its holds the pipe)
 * before its connection counts as closed anyway; its last messages arrive well within it.
 */
const EXIT_DRAIN_MS = 500;

export interface ProcessGroupStdioOptions {
  command: string;
  args?: string[];
  /** Added to the SDK's safe default environment (PATH, HOME, ...); never the gateway's own. */
  env?: Record<string, string>;
  cwd?: string;
  /** The largest message read; past it the connection is closed (the SDK's ReadBuffer). */
  maxBufferSize: number;
  /** Each of the two waits of closing: for an exit on end of stdin, then between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

/**
 * The SDK's stdio client transport, but the server leads a process group of its own (it is
 * spawned detached), which the SDK's StdioClientTransport has no option for. Without one, the
 * children of a server that died are re-parented to init at once, and no walk of the tree
 * finds them: each crash left its children running. Signalling the group (-pgid) reaches
 * every process the server started, dead parent or not, unless one left the group on purpose
 * (setsid, a daemon); those are looked for in the tree while the server still lives.
 *
 * A group of its own also means the terminal's Ctrl-C no longer reaches the server: the
 * gateway's own shutdown ends every group (main.ts, cli.ts), and its last resort does too.
 * The reading and writing of messages are the SDK's (ReadBuffer, serializeMessage).
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The server's stderr, there from the start so that nothing it says early is lost. */
  readonly stderr = new PassThrough();
  /** The server's pid, which is also its group's id; kept after it exited, to end the group. */
  pid?: number;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  /** How the server ended, once it has: `with code 1`, `on SIGKILL`. */
  exitedHow?: string;
  private readonly readBuffer: ReadBuffer;
  private ending?: Promise<void>;
  private over = false;

  constructor(private readonly options: ProcessGroupStdioOptions) {
    this.readBuffer = new ReadBuffer({ maxBufferSize: options.maxBufferSize });
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('ProcessGroupStdioTransport already started'));
    const { command, args, env, cwd } = this.options;
    const child = spawn(command, args ?? [], {
      env: { ...getDefaultEnvironment(), ...env },
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      detached: true,
      windowsHide: true,
    });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitedHow = signal ? `on ${signal}` : `with code ${code}`;
        resolve();
      });
      child.once('error', () => child.pid === undefined && resolve());
    });
    child.stderr?.pipe(this.stderr);
    child.stdout?.on('data', (chunk: Buffer) => this.read(chunk));
    child.stdout?.on('error', (error) => this.onerror?.(error));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    child.on('close', () => this.connectionOver());
    child.on('exit', () => setTimeout(() => this.connectionOver(), EXIT_DRAIN_MS).unref());
    return new Promise((resolve, reject) => {
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => {
        this.pid = child.pid;
        if (this.pid !== undefined) rememberGroup(this.pid);
        resolve();
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.over) return reject(new Error('Not connected'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends the connection at once, then the server: end of stdin, SIGTERM, SIGKILL, to its group. */
  close(): Promise<void> {
    this.ending ??= this.end(true);
    return this.ending;
  }

  /** Ends the connection and the server's group at once, without waiting for it to exit. */
  terminate(): Promise<void> {
    this.ending ??= this.end(false);
    return this.ending;
  }

  /**
   * The connection is over for the client first, so that requests in flight fail now rather
   * than when the process is gone (a hung one takes both grace periods); then the group ends.
   */
  private async end(gently: boolean): Promise<void> {
    this.connectionOver();
    const child = this.child;
    const pgid = this.pid;
    if (!child || pgid === undefined) return;
    const running = child.exitCode === null && child.signalCode === null;
    // Descendants that left the group are found only while the server, their ancestor, lives.
    const strays = running ? await listDescendants(pgid) : [];
    child.stdin?.end();
    if (gently && running) await within(this.exited, this.options.killGraceMs);
    await terminate([-pgid, ...strays], this.options.killGraceMs);
    forgetGroup(pgid);
    this.readBuffer.clear();
  }

  private read(chunk: Buffer): void {
    if (this.over) return;
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      // Over the size limit: as the SDK, say so and close; the rest cannot be read in step.
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    while (!this.over) {
      try {
        const message = this.readBuffer.readMessage();
        if (message === null) return;
        this.onmessage?.(message);
      } catch (error) {
        // A line that is not JSON-RPC costs that line (as with the SDK), not the connection.
        this.onerror?.(error as Error);
      }
    }
  }

  private connectionOver(): void {
    if (this.over) return;
    this.over = true;
    this.onclose?.();
  }
}

function within(promise: Promise<void> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
