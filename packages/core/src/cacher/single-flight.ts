import { abortedError, raceAbort } from './abort.js';

/** One load run, shared by every caller that missed while it ran. */
interface Run<S> {
  promise: Promise<S>;
  /** Aborts the load's signal once every waiting caller has aborted. */
  controller: AbortController;
  /** Callers with a signal still waiting for this run. */
  waiting: number;
  /** A caller without a signal (or a background refresh) waits: the run is never aborted. */
  pinned: boolean;
  settled: boolean;
}

/** The state of one key: reads in progress and the latest load run. */
export interface Flight<S> {
  readers: number;
  run?: Run<S>;
  /** Clock value when `run` settled; undefined while it runs. */
  settledAt?: number;
}

/** What {@link SingleFlight.beginRead} hands back, to pass to `endRead` and `join`. */
export interface FlightTicket<S> {
  flight: Flight<S>;
  fullKey: string;
  /** When the read began, relative to load settlements. */
  readAt: number;
}

/**
 * getOrSet's bookkeeping: one load per key at a time, its result shared by every caller that
 * missed. A caller whose read began before the last run settled shares that run's outcome (value or
 * error) too: its miss predates the write, so loading again would only repeat the work.
 * A caller with a `signal` stops waiting as soon as it fires; the run itself is aborted (its load's
 * signal fires) only once every caller waiting for it has aborted, and is never shared again.
 */
export class SingleFlight<S> {
  private readonly flights = new Map<string, Flight<S>>();
  /** Orders reads and load settlements, so a read knows whether a load finished before it began. */
  private clock = 0;

  /** Keys with a read pending or a load running. */
  get size(): number {
    return this.flights.size;
  }

  /** Registers a read of `fullKey` that is about to be sent to the backend. */
  beginRead(fullKey: string): FlightTicket<S> {
    let flight = this.flights.get(fullKey);
    if (!flight) {
      flight = { readers: 0 };
      this.flights.set(fullKey, flight);
    }
    flight.readers++;
    return { flight, fullKey, readAt: ++this.clock };
  }

  /** The read answered; `done`: the caller will not join a load (it failed or was aborted). */
  endRead(ticket: FlightTicket<S>, done = false): void {
    ticket.flight.readers--;
    if (done) this.release(ticket);
  }

  /** Forgets the key once no read is pending and no load is running. */
  release({ flight, fullKey }: FlightTicket<S>): void {
    if (flight.readers === 0 && (flight.run === undefined || flight.settledAt !== undefined) && this.flights.get(fullKey) === flight) {
      this.flights.delete(fullKey);
    }
  }

  /**
   * The result of the run this caller shares, starting `load` when there is none to share.
   * `signal` undefined: a caller that cannot abort, or the background refresh of a stale value.
   * `load` gets the run's signal and must not store its result once that signal fired.
   */
  join(ticket: FlightTicket<S>, signal: AbortSignal | undefined, load: (signal: AbortSignal) => Promise<S>): Promise<S> {
    const { flight } = ticket;
    let run = flight.run;
    if (run && (flight.settledAt === undefined || ticket.readAt < flight.settledAt)) {
      if (run.settled) return raceAbort(run.promise, signal, undefined, 'getOrSet');
    } else {
      run = this.start(ticket, load);
    }
    if (!signal) {
      run.pinned = true;
      return run.promise;
    }
    const joined = run;
    joined.waiting++;
    return raceAbort(
      joined.promise,
      signal,
      () => {
        if (--joined.waiting > 0 || joined.pinned || joined.settled) return;
        joined.controller.abort(abortedError(signal, 'every getOrSet caller'));
        // A later caller must not share an abandoned run: it starts its own.
        if (flight.run === joined) {
          flight.run = undefined;
          flight.settledAt = undefined;
          this.release(ticket);
        }
      },
      'getOrSet',
    );
  }

  private start(ticket: FlightTicket<S>, load: (signal: AbortSignal) => Promise<S>): Run<S> {
    const { flight } = ticket;
    const controller = new AbortController();
    const promise = load(controller.signal);
    const run: Run<S> = { promise, controller, waiting: 0, pinned: false, settled: false };
    flight.run = run;
    flight.settledAt = undefined;
    const settle = (): void => {
      run.settled = true;
      if (flight.run !== run) return;
      flight.settledAt = ++this.clock;
      this.release(ticket);
    };
    promise.then(settle, settle);
    return run;
  }
}
