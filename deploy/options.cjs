// Per-stage choices serverless.yml makes at packaging time from its parameters, so the template
// CloudFormation receives holds only what the stage uses (no unused branch with an empty value in it).
// Each returns null for "leave the property out", which serverless.yml writes as `${file(...):x, null}`.
'use strict';

const param = (ctx, name) => ctx.resolveVariable(`param:${name}`);

module.exports = {
  /** [alarmTopicArn]; null (property left out: the alarm only changes state) without one. */
  alarmActions: async (ctx) => {
    const arn = String((await param(ctx, 'alarmTopicArn')) ?? '').trim();
    return arn === '' ? null : [arn];
  },
  /**
   * 'true' or 'false' as text, whatever YAML made of it, so the HasMetricMath condition compares like
   * with like; anything else stops packaging rather than silently picking the emulator's alarm form.
   */
  metricMathAlarms: async (ctx) => {
    const raw = String(await param(ctx, 'metricMathAlarms')).trim().toLowerCase();
    if (raw !== 'true' && raw !== 'false') {
      throw new Error(`param metricMathAlarms=${raw} must be true (AWS: the dead-letter alarm is a metric-math rate) or false (an emulator without metric math, such as ministack)`);
    }
    return raw;
  },
  /** The mapping's DestinationConfig for a Kafka on-failure topic; null (property left out) without one. */
  destinationConfig: async (ctx) => {
    const topic = String((await param(ctx, 'onFailureTopic')) ?? '').trim();
    return topic === '' ? null : { OnFailure: { Destination: `kafka://${topic}` } };
  },
};
