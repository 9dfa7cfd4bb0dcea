// What KafkaJS fetched -> the event AWS's MSK mapping would send for it.
import type { MSKEvent } from 'aws-lambda';
import type { KafkaMessage } from 'kafkajs';
import { buildMskEvent, type MskEventSource } from './msk-event.js';

/** One partition's records as the MSK event AWS would send for them, through the one event builder. */
export function toMskEvent(topic: string, partition: number, messages: KafkaMessage[], source: MskEventSource): MSKEvent {
  const records = messages.map((m) => ({
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    timestampType: timestampType(m),
    key: m.key,
    value: m.value,
    headers: m.headers,
  }));
  return buildMskEvent(records, source);
}

function timestampType(message: KafkaMessage): 'CREATE_TIME' | 'LOG_APPEND_TIME' {
  // KafkaJS keeps the record batch's attributes on each message; bit 3 set means the broker stamped it.
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  return context?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
}
