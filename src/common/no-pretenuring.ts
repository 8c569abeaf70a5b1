import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the whole process. Imported first by each
 * entry point (main.ts, cli.ts), before anything allocates under load.
 *
 * V8 watches each allocation site (an object or array literal in the code) and, when most of
 * what a site allocates survives a scavenge, allocates its objects straight in the old
 * generation from then on. One such site is Node's own: the array `events.js` makes when an
 * emitter gets a second listener for an event. Long-lived emitters (sockets, the server) share
 * it with every response, whose 'finish' and 'close' listeners (Node's, the access log's, the
 * metrics', the drain's, abortOnDisconnect's) are closures over the request and response.
 * Whether that site's ratio crosses V8's threshold (85 %) during warm-up is a coin toss; on
 * the REST door fronting a streamable HTTP server it did in about seven runs out of ten. From
 * then on every response's listener arrays are born old, and a dead old array still points at
 * its young closures: the scavenger counts that as a reference, so each finished call (its
 * request, response, Express and Nest frames) is copied and then promoted instead of dying
 * young, until the next full GC, which the promoted bytes themselves bring on sooner.
 * Measured with bench/lib/load/gc-survival.ts (rest http, C = 16): 15.0-15.8 KB promoted per
 * call in those runs, 5.2-5.5 KB in every run without pretenuring.
 *
 * What pretenuring saves (copying objects that would be promoted anyway) does not apply to a
 * request/response server, whose per-call objects should all die young.
 */
export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

setFlagsFromString(NO_PRETENURING_FLAG);
