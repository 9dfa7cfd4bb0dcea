// What the stand-in read from a partition -> the event AWS's MSK mapping would send for it.
import type { MSKEvent } from 'aws-lambda';
import type { ConsumedMessage } from '../../lib/adapters/kafka-messages.js';
import { buildMskEvent, type KafkaRecord, type MskEventSource } from './msk-event.js';

/**
 * One partition's records as the MSK event AWS would send for them, through the one event builder,
 * each with the timestamp type its batch carries (the group reader sets it; CREATE_TIME when unknown).
 */
export function toMskEvent(
  topic: string,
  partition: number,
  messages: ConsumedMessage[],
  source: MskEventSource,
): MSKEvent {
  const records = messages.map((m): KafkaRecord => ({
    topic,
    partition,
    offset: m.offset,
    timestamp: m.timestamp,
    timestampType: m.timestampType ?? 'CREATE_TIME',
    key: m.key,
    value: m.value,
    headers: m.headers,
  }));
  return buildMskEvent(records, source);
}
