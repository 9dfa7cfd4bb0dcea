// Stands in for a deployment parameter no stage has set: resolving it stops packaging with a
// message naming the parameter and how to set it (osls alone says only "Value not found").
'use strict';

const HOW = {
  mskClusterArn: 'the MSK cluster\'s ARN (aws kafka list-clusters-v2)',
  kafkaBrokers: 'the IAM bootstrap brokers, comma-separated host:9098 (aws kafka get-bootstrap-brokers: BootstrapBrokerStringSaslIam)',
  subnetIds: 'comma-separated subnet ids the functions run in, with a way to the brokers and to DynamoDB',
  securityGroupIds: 'comma-separated security group ids for the functions, allowed to reach the brokers on 9098',
};

module.exports = Object.fromEntries(
  Object.entries(HOW).map(([name, what]) => [
    name,
    async ({ options }) => {
      throw new Error(`The parameter "${name}" is required for stage "${options.stage ?? 'dev'}": pass --param="${name}=..." or set params.<stage>.${name} in serverless.yml; it is ${what}.`);
    },
  ]),
);
