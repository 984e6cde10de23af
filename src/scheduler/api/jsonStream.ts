/**
 * Booking answers as a stream of JSON pieces: a booking's fields, then one occurrence at a time (and
 * for a list, one booking at a time), with a turn of the event loop after every BYTES_PER_TURN
 * written, instead of one JSON.stringify of megabytes (a local socket takes megabytes without pushing
 * back, so the stream alone would not pause). docs/bookings.md, "Bounded work per request". The text is
 * the same JSON as JSON.stringify of the whole value.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { BookingView } from '../service/bookings.ts';
import { nextTurn } from '../service/pacer.ts';

/** Bytes (UTF-16 code units) of JSON written between two turns of the event loop. */
export const BYTES_PER_TURN = 128 * 1024;

function* bookingPieces(view: BookingView): Generator<string> {
  const { occurrences, ...fields } = view;
  const head = JSON.stringify(fields);
  // `fields` always has the booking's id, so `head` is `{...}` with at least one member.
  yield `${head.slice(0, -1)},"occurrences":[`;
  let first = true;
  for (const o of occurrences) {
    yield `${first ? '' : ','}${JSON.stringify(o)}`;
    first = false;
  }
  yield ']}';
}

function* listPieces(views: readonly BookingView[]): Generator<string> {
  yield '[';
  let first = true;
  for (const view of views) {
    if (!first) yield ',';
    first = false;
    yield* bookingPieces(view);
  }
  yield ']';
}

async function* paced(pieces: Iterable<string>): AsyncGenerator<string> {
  let written = 0;
  for (const piece of pieces) {
    yield piece;
    written += piece.length;
    if (written >= BYTES_PER_TURN) {
      written = 0;
      await nextTurn();
    }
  }
}

/** Sends one booking, or a list of them, as streamed JSON. */
export function sendBookings(reply: FastifyReply, status: number, value: BookingView | readonly BookingView[]): FastifyReply {
  const pieces = Array.isArray(value) ? listPieces(value as readonly BookingView[]) : bookingPieces(value as BookingView);
  return reply.code(status).type('application/json; charset=utf-8').send(Readable.from(paced(pieces), { objectMode: false }));
}
