// Values serverless.yml derives from the one `scheduleMinutes` parameter, so the schedule and the
// alarm that watches it can never disagree. osls calls each function with its variable resolver.
'use strict';

async function minutes({ resolveVariable }) {
  const raw = await resolveVariable('param:scheduleMinutes');
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1440) {
    throw new Error(`param scheduleMinutes=${raw} must be a whole number of minutes from 1 to 1440`);
  }
  return n;
}

module.exports = {
  // EventBridge wants the singular unit for one.
  rate: async (ctx) => {
    const n = await minutes(ctx);
    return n === 1 ? 'rate(1 minute)' : `rate(${n} minutes)`;
  },
  periodSeconds: async (ctx) => 60 * (await minutes(ctx)),
};
