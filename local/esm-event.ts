// What KafkaJS fetched -> the event AWS's MSK mapping would send for it.
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { toMskRecord, type MskEventSource } from './msk-event.js';

/** One partition's records as the MSK event AWS would send for them. */
export function toMskEvent(topic: string, partition: number, messages: KafkaMessage[], source: MskEventSource): MSKEvent {
  const records: MSKRecord[] = messages.map((m) => {
    const record = toMskRecord({
      topic,
      partition,
      offset: Number(m.offset),
      timestamp: Number(m.timestamp),
      timestampType: timestampType(m),
      key: m.key,
      value: m.value,
    });
    record.headers = mskHeaders(m.headers);
    return record;
  });
  return { eventSource: 'aws:kafka', eventSourceArn: source.eventSourceArn, bootstrapServers: source.bootstrapServers, records: { [`${topic}-${partition}`]: records } };
}

function timestampType(message: KafkaMessage): 'CREATE_TIME' | 'LOG_APPEND_TIME' {
  // KafkaJS keeps the record batch's attributes on each message; bit 3 set means the broker stamped it.
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  return context?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
}

/** Kafka headers as AWS lists them: one {name: bytes} object per header, repeated names kept. */
function mskHeaders(headers: IHeaders | undefined): MSKRecord['headers'] {
  const list: MSKRecord['headers'] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      // KafkaJS decodes a header named like an Object.prototype member (constructor, toString) into
      // [that member, bytes]: keep the bytes, never let the member fail the whole batch.
      if (typeof one !== 'string' && !Buffer.isBuffer(one)) continue;
      list.push({ [name]: [...(typeof one === 'string' ? Buffer.from(one, 'utf8') : one)] });
    }
  }
  return list;
}
