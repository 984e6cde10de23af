/** The OpenAPI 3.1 description of the scheduler's JSON API, served at /api/v1/openapi.json. */

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const errors = {
  '400': { description: 'invalid request', ...json(error) },
  '401': { description: 'authentication required' },
  '404': { description: 'no such object', ...json(error) },
  '409': { description: 'refused: conflict, space needed, already managed, wrong state', ...json(error) },
  '413': { description: 'body too large (1 MiB for a booking, 64 KiB otherwise)', ...json(error) },
  '502': { description: 'the bridge could not be reached or refused', ...json(error) },
};
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const n = { name: 'n', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Switchboard scheduler',
    version: '1',
    description: 'Manages Cisco Meeting Server bridges and runs booked meetings on them the way Cisco TMS does.',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ basic: [] }],
  paths: {
    '/bridges': {
      get: { summary: 'Managed bridges', responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/Bridge' } }), ...errors } },
      post: {
        summary: 'Add a bridge (GET system/status, GET callBridges + each, POST callProfiles, POST callLegProfiles)',
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/AddBridge' }) },
        responses: { '201': json({ $ref: '#/components/schemas/Bridge' }), ...errors },
      },
    },
    '/bridges/{id}': {
      parameters: [id],
      get: { summary: 'One bridge with warnings, cluster and spaces', responses: { '200': json({ $ref: '#/components/schemas/Bridge' }), ...errors } },
      patch: {
        summary: 'Set name, domain, conference-ID range (provisions the spaces), credentials, alternate',
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/ConfigureBridge' }) },
        responses: { '200': json({ $ref: '#/components/schemas/Bridge' }), ...errors },
      },
      delete: { summary: 'Stop managing the bridge (nothing is deleted on it)', responses: { '204': { description: 'removed' }, ...errors } },
    },
    '/bridges/{id}/provision': {
      parameters: [id],
      post: { summary: 'Run the bulk provisioning and verification again', responses: { '200': json({ $ref: '#/components/schemas/Bridge' }), ...errors } },
    },
    '/bridges/{id}/audit': {
      parameters: [id],
      get: { summary: 'CMS requests made while adding/provisioning the bridge', responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/AuditEntry' } }), ...errors } },
    },
    '/bookings': {
      get: {
        summary: 'Bookings (optionally of one organizer)',
        parameters: [{ name: 'organizer', in: 'query', schema: { type: 'string' } }],
        responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/Booking' } }), ...errors },
      },
      post: { summary: 'Book a meeting or series', requestBody: { required: true, ...json({ $ref: '#/components/schemas/BookingInput' }) }, responses: { '201': json({ $ref: '#/components/schemas/Booking' }), ...errors } },
    },
    '/bookings/{id}': {
      parameters: [id],
      get: { summary: 'A booking with its occurrences, their state, space, call and connected participants', responses: { '200': json({ $ref: '#/components/schemas/Booking' }), ...errors } },
      patch: { summary: 'Change the whole series', requestBody: { required: true, ...json({ type: 'object' }) }, responses: { '200': json({ $ref: '#/components/schemas/Booking' }), ...errors } },
      delete: { summary: 'Cancel the series (running occurrences end now)', responses: { '204': { description: 'cancelled' }, ...errors } },
    },
    '/bookings/{id}.ics': { parameters: [id], get: { summary: 'iCalendar of the booking', responses: { '200': { description: 'text/calendar' }, ...errors } } },
    '/bookings/{id}/audit': { parameters: [id], get: { summary: 'Audit log of every occurrence', responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/AuditEntry' } }), ...errors } } },
    '/bookings/{id}/occurrences/{n}': {
      parameters: [id, n],
      get: { summary: 'One occurrence', responses: { '200': json({ $ref: '#/components/schemas/Occurrence' }), ...errors } },
      patch: { summary: 'Change one occurrence (start, end, title, participants, pin)', requestBody: { required: true, ...json({ type: 'object' }) }, responses: { '200': json({ $ref: '#/components/schemas/Booking' }), ...errors } },
      delete: { summary: 'Cancel one occurrence (ends it now if running)', responses: { '200': json({ $ref: '#/components/schemas/Booking' }), ...errors } },
    },
    '/bookings/{id}/occurrences/{n}/extend': {
      parameters: [id, n],
      post: {
        summary: 'Extend a running occurrence (refused when its space is needed by another meeting)',
        requestBody: { required: true, ...json({ type: 'object', required: ['minutes'], properties: { minutes: { type: 'integer', minimum: 1, maximum: 720 } } }) },
        responses: { '200': json({ $ref: '#/components/schemas/Occurrence' }), ...errors },
      },
    },
    '/bookings/{id}/occurrences/{n}/end': { parameters: [id, n], post: { summary: 'End a running occurrence now', responses: { '202': json({ $ref: '#/components/schemas/Occurrence' }), ...errors } } },
    '/bookings/{id}/occurrences/{n}/audit': { parameters: [id, n], get: { summary: 'Every CMS request/response of the occurrence (passcodes masked) and runner notes', responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/AuditEntry' } }), ...errors } } },
    '/organizers/{email}/calendar.ics': {
      parameters: [{ name: 'email', in: 'path', required: true, schema: { type: 'string' } }],
      get: { summary: "An organizer's iCalendar feed", responses: { '200': { description: 'text/calendar' }, ...errors } },
    },
  },
  components: {
    securitySchemes: { basic: { type: 'http', scheme: 'basic' } },
    schemas: {
      Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } } },
      AddBridge: {
        type: 'object',
        required: ['address', 'username', 'password'],
        properties: { address: { type: 'string', description: 'host[:port] (https) or http://host:port' }, username: { type: 'string' }, password: { type: 'string', writeOnly: true }, allowSelfSigned: { type: 'boolean' } },
      },
      ConfigureBridge: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          domain: { type: 'string' },
          conferenceIdRange: { type: 'object', properties: { start: { type: 'integer' }, end: { type: 'integer' } } },
          username: { type: 'string' },
          password: { type: 'string', writeOnly: true },
          allowSelfSigned: { type: 'boolean' },
          alternate: { oneOf: [{ type: 'null' }, { type: 'object', properties: { address: { type: 'string' }, username: { type: 'string' }, password: { type: 'string', writeOnly: true }, allowSelfSigned: { type: 'boolean' } } }] },
        },
      },
      Bridge: { type: 'object', description: 'id, type, name, address, softwareVersion, domain, conferenceIdRange, cluster, alternate, provisioning, spaces, warnings' },
      BookingInput: {
        type: 'object',
        required: ['title', 'organizer', 'start', 'end', 'timeZone'],
        properties: {
          title: { type: 'string' },
          organizer: { type: 'string', format: 'email' },
          start: { type: 'string', description: 'local YYYY-MM-DDTHH:mm[:ss] in timeZone' },
          end: { type: 'string' },
          timeZone: { type: 'string', description: 'IANA' },
          recurrence: { type: 'string', description: 'RRULE value, e.g. FREQ=WEEKLY;COUNT=4' },
          overrides: { type: 'array', items: { type: 'object' } },
          pin: { type: 'string' },
          bridge: { type: 'string' },
          participants: { type: 'array', items: { type: 'object', properties: { uri: { type: 'string' }, mode: { enum: ['dialOut', 'dialIn'] }, name: { type: 'string' } } } },
          type: { enum: ['automatic', 'reservation'] },
        },
      },
      Booking: { type: 'object', description: 'the series (BookingInput + id, sequence, cancelled) and occurrences' },
      Occurrence: {
        type: 'object',
        properties: {
          occurrence: { type: 'integer' },
          start: { type: 'string' },
          end: { type: 'string' },
          state: { enum: ['scheduled', 'starting', 'live', 'ended', 'failed', 'cancelled'] },
          space: { type: ['object', 'null'] },
          call: { type: ['string', 'null'] },
          participants: { type: 'array', items: { type: 'object' } },
        },
      },
      AuditEntry: { type: 'object', description: 'kind (cms|note), method, path, fields (masked), status, location, body, error, atMs' },
    },
  },
} as const;
