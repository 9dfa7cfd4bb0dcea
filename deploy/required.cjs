// Stands in for a deployment parameter no stage has set: resolving it stops packaging with a
// message naming the parameter and how to set it (osls alone says only "Value not found").
'use strict';

const HOW = {
  mskClusterArn: 'the MSK cluster\'s ARN (aws kafka list-clusters-v2)',
  kafkaBrokers: 'the IAM bootstrap brokers, comma-separated host:9098 (aws kafka get-bootstrap-brokers: BootstrapBrokerStringSaslIam)',
  subnetIds: 'comma-separated subnet ids the functions run in, with a way to the brokers and to DynamoDB',
  securityGroupIds: 'comma-separated security group ids for the functions, allowed to reach the brokers on 9098',
};

// A stage fed by the stand-in (the emulator stage) reaches a broker on this machine, not MSK.
const HOW_WITHOUT_MSK = {
  kafkaBrokers: 'the address of the Kafka broker the deployed functions reach, host:port (npm run stack prints it as KAFKA_BROKERS; npm run e2e passes its own)',
};

module.exports = Object.fromEntries(
  Object.entries(HOW).map(([name, what]) => [
    name,
    async ({ options, resolveVariable }) => {
      const trigger = await resolveVariable('param:scorerTrigger');
      const how = (trigger === 'standin' && HOW_WITHOUT_MSK[name]) || what;
      throw new Error(`The parameter "${name}" is required for stage "${options.stage ?? 'dev'}": pass --param="${name}=..." or set params.<stage>.${name} in serverless.yml; it is ${how}.`);
    },
  ]),
);
