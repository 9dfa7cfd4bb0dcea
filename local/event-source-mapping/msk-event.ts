// Kafka records -> the event AWS's MSK event source mapping hands to Lambda, byte for byte in shape.
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { MessageHeaders } from '../../lib/core/kafka-message.js';

export type RecordHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch; now when absent. */
  timestamp?: number;
  timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: Buffer | string | null;
  /** null is a tombstone: the event then carries no value, as AWS sends it. */
  value: Buffer | string | null;
  /** Header pairs in wire order, or by name, where several values (an array) are a header repeated in that order. */
  headers?: MessageHeaders | RecordHeaders;
}

export interface MskEventSource {
  eventSourceArn: string;
  bootstrapServers: string;
}

export const LOCAL_CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1';

const toBuffer = (data: Buffer | string): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

export function toMskRecord(r: KafkaRecord): MSKRecord {
  const record: Partial<MSKRecord> &
    Pick<MSKRecord, 'topic' | 'partition' | 'offset' | 'timestamp' | 'timestampType' | 'headers'> = {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp ?? Date.now(),
    timestampType: r.timestampType ?? 'CREATE_TIME',
    headers: mskHeaders(r.headers),
  };
  if (r.key !== undefined && r.key !== null) record.key = toBuffer(r.key).toString('base64');
  if (r.value !== null) record.value = toBuffer(r.value).toString('base64');
  return record as MSKRecord;
}

/** Kafka headers as AWS lists them: one {name: bytes} object per header, repeated names kept in order. */
function mskHeaders(headers: MessageHeaders | RecordHeaders | undefined): MSKRecord['headers'] {
  const pairs = Array.isArray(headers)
    ? headers
    : Object.entries(headers ?? {}).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((one) => [name, one] as const),
      );
  const list: MSKRecord['headers'] = [];
  for (const [name, value] of pairs) {
    if (value === undefined) continue;
    // A computed key: even "__proto__" becomes an own property of the entry.
    list.push({ [name]: [...toBuffer(value)] });
  }
  return list;
}

/** Groups records under "<topic>-<partition>" keys, keeping each partition's order. */
export function buildMskEvent(records: Iterable<KafkaRecord>, source: MskEventSource): MSKEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const r of records) (grouped[`${r.topic}-${r.partition}`] ??= []).push(toMskRecord(r));
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
    records: grouped,
  };
}
