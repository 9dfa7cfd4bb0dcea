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
  /** The mapping's DestinationConfig for a Kafka on-failure topic; null (property left out) without one. */
  destinationConfig: async (ctx) => {
    const topic = String((await param(ctx, 'onFailureTopic')) ?? '').trim();
    return topic === '' ? null : { OnFailure: { Destination: `kafka://${topic}` } };
  },
};
