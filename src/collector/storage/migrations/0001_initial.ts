import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';


export function initial(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      // Every record as received. (session, key_kind, key_index) is the dedup key: key_kind 'c' =
      // correlatorIndex, 'r' = recordIndex (used only when a record carries no correlatorIndex).
      await withSeq(db.schema.createTable('cdr_record'), dialect)
        .addColumn('session', 'text', (c) => c.notNull())
        .addColumn('key_kind', 'text', (c) => c.notNull())
        .addColumn('key_index', 'bigint', (c) => c.notNull())
        .addColumn('correlator_index', 'bigint')
        .addColumn('record_index', 'bigint')
        .addColumn('num_preceding_missing', 'bigint')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('time_ms', 'bigint', (c) => c.notNull())
        .addColumn('call_bridge', 'text')
        .addColumn('source', 'text')
        .addColumn('object_id', 'text')
        .addColumn('raw', 'text', (c) => c.notNull())
        .addColumn('received_ms', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('cdr_record_key', ['session', 'key_kind', 'key_index'])
        .execute();
      await db.schema.createIndex('cdr_record_object').on('cdr_record').column('object_id').execute();
      await db.schema.createIndex('cdr_record_time').on('cdr_record').column('time_ms').execute();

      await db.schema
        .createTable('cdr_session')
        .addColumn('session', 'text', (c) => c.primaryKey())
        .addColumn('call_bridge', 'text')
        .addColumn('source', 'text')
        .addColumn('first_seen_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
        .addColumn('posts', 'bigint', (c) => c.notNull())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addColumn('correlated_records', 'bigint', (c) => c.notNull())
        .addColumn('duplicates', 'bigint', (c) => c.notNull())
        .addColumn('declared_missing', 'bigint', (c) => c.notNull())
        .addColumn('min_correlator', 'bigint')
        .addColumn('max_correlator', 'bigint')
        .execute();

      await db.schema
        .createTable('call')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('call_bridge', 'text')
        .addColumn('session', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('co_space', 'text')
        .addColumn('owner_name', 'text')
        .addColumn('tenant', 'text')
        .addColumn('cdr_tag', 'text')
        .addColumn('call_type', 'text')
        .addColumn('call_correlator', 'text')
        .addColumn('co_space_meta_data_configured', 'integer')
        .addColumn('start_ms', 'bigint')
        .addColumn('end_ms', 'bigint')
        .addColumn('begin_ms', 'bigint', (c) => c.notNull())
        .addColumn('call_legs_completed', 'bigint')
        .addColumn('call_legs_max_active', 'bigint')
        .addColumn('duration_seconds', 'double precision')
        .addColumn('endpoint_recorded', 'integer')
        .addColumn('meeting_key', 'text', (c) => c.notNull())
        .addColumn('has_start', 'integer', (c) => c.notNull())
        .addColumn('has_end', 'integer', (c) => c.notNull())
        .execute();
      // (begin_ms, end_ms) covers the concurrency sweep without reading the wide rows.
      await db.schema.createIndex('call_span').on('call').columns(['begin_ms', 'end_ms']).execute();
      await db.schema.createIndex('call_co_space').on('call').column('co_space').execute();
      await db.schema.createIndex('call_meeting').on('call').column('meeting_key').execute();

      await db.schema
        .createTable('call_leg')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('call_id', 'text')
        .addColumn('call_bridge', 'text')
        .addColumn('session', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('local_address', 'text')
        .addColumn('remote_address', 'text')
        .addColumn('remote_party', 'text')
        .addColumn('cdr_tag', 'text')
        .addColumn('guest_connection', 'integer')
        .addColumn('recording', 'integer')
        .addColumn('streaming', 'integer')
        .addColumn('leg_type', 'text')
        .addColumn('sub_type', 'text')
        .addColumn('lync_sub_type', 'text')
        .addColumn('direction', 'text')
        .addColumn('owner_id', 'text')
        .addColumn('sip_call_id', 'text')
        .addColumn('group_id', 'text')
        .addColumn('replaces_sip_call_id', 'text')
        .addColumn('can_move', 'integer')
        .addColumn('moved_call_leg', 'text')
        .addColumn('moved_call_leg_call_bridge', 'text')
        .addColumn('confirmation_status', 'text')
        .addColumn('state', 'text')
        .addColumn('in_ivr', 'integer')
        .addColumn('deactivated', 'integer')
        .addColumn('start_ms', 'bigint')
        .addColumn('connected_ms', 'bigint')
        .addColumn('end_ms', 'bigint')
        .addColumn('begin_ms', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('remote_teardown', 'integer')
        .addColumn('reason_details', 'text')
        .addColumn('encrypted_media', 'integer')
        .addColumn('unencrypted_media', 'integer')
        .addColumn('duration_seconds', 'double precision')
        .addColumn('activated_duration', 'double precision')
        .addColumn('main_video_viewer_pct', 'double precision')
        .addColumn('main_video_contributor_pct', 'double precision')
        .addColumn('presentation_viewer_pct', 'double precision')
        .addColumn('presentation_contributor_pct', 'double precision')
        .addColumn('multistream_video_pct', 'double precision')
        .addColumn('max_screens', 'bigint')
        .addColumn('alarms', 'text')
        .addColumn('alarm_count', 'bigint', (c) => c.notNull())
        .addColumn('packet_loss_alarm_pct', 'double precision')
        .addColumn('rx_audio_codec', 'text')
        .addColumn('tx_audio_codec', 'text')
        .addColumn('rx_video_codec', 'text')
        .addColumn('tx_video_codec', 'text')
        .addColumn('rx_video_width', 'bigint')
        .addColumn('rx_video_height', 'bigint')
        .addColumn('tx_video_width', 'bigint')
        .addColumn('tx_video_height', 'bigint')
        .addColumn('rx_audio_loss_duration', 'double precision')
        .addColumn('rx_audio_loss_density', 'double precision')
        .addColumn('rx_audio_gap_duration', 'double precision')
        .addColumn('rx_audio_gap_density', 'double precision')
        .addColumn('rx_video_loss_duration', 'double precision')
        .addColumn('rx_video_loss_density', 'double precision')
        .addColumn('rx_video_gap_duration', 'double precision')
        .addColumn('rx_video_gap_density', 'double precision')
        .addColumn('update_count', 'bigint', (c) => c.notNull())
        .addColumn('has_start', 'integer', (c) => c.notNull())
        .addColumn('has_end', 'integer', (c) => c.notNull())
        .addColumn('last_order', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('call_leg_span').on('call_leg').columns(['begin_ms', 'end_ms']).execute();
      await db.schema.createIndex('call_leg_call').on('call_leg').column('call_id').execute();
      await db.schema.createIndex('call_leg_remote_party').on('call_leg').column('remote_party').execute();

      await db.schema
        .createTable('media_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('call_bridge', 'text')
        .addColumn('session', 'text', (c) => c.notNull())
        .addColumn('call_id', 'text')
        .addColumn('call_leg_id', 'text')
        .addColumn('path', 'text')
        .addColumn('uri', 'text')
        .addColumn('start_ms', 'bigint')
        .addColumn('end_ms', 'bigint')
        .execute();
      await db.schema.createIndex('media_session_call').on('media_session').column('call_id').execute();
    },
  };
}
