// What the stand-in read from a partition -> the event AWS's MSK mapping would send for it.
import type { MSKEvent } from 'aws-lambda';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { buildMskEvent, type KafkaRecord, type MskEventSource } from './msk-event.js';

/**
 * One partition's records as the MSK event AWS would send for them, through the one event builder.
 * The client does not say which timestamp type a record batch carries, so the events say
 * CREATE_TIME, which every topic here uses (a LogAppendTime topic's records would show their
 * producers' times).
 */
export function toMskEvent(
  topic: string,
  partition: number,
  messages: ConsumedMessage[],
  source: MskEventSource,
  timestampType: KafkaRecord['timestampType'] = 'CREATE_TIME',
): MSKEvent {
  const records = messages.map((m): KafkaRecord => ({
    topic,
    partition,
    offset: m.offset,
    timestamp: m.timestamp,
    timestampType,
    key: m.key,
    value: m.value,
    headers: m.headers,
  }));
  return buildMskEvent(records, source);
}
