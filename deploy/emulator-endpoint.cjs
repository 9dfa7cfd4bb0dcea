// A local osls plugin for deploys to an AWS emulator (AWS_ENDPOINT_URL set, as `npm run e2e` does):
// before any command that calls AWS it checks that something answers there, and that the S3
// client can reach the deployment bucket, and otherwise stops with one line saying what to do.
// Without AWS_ENDPOINT_URL (a deploy to AWS, or `serverless package`) it does nothing.
'use strict';

const dns = require('node:dns/promises');
const net = require('node:net');

/** Commands that never call AWS. */
const OFFLINE = new Set(['package', 'print', 'help', 'plugin']);

/** Resolves once a TCP connection is accepted; rejects after timeoutMs or on refusal. */
function answers(host, port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const done = (err) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer in ${timeoutMs} ms`)));
    socket.once('connect', () => done());
    socket.once('error', done);
  });
}

/** Undefined when the endpoint can serve a deploy; otherwise the one line that says why not. */
async function endpointProblem(endpoint) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    return `AWS_ENDPOINT_URL=${endpoint} is not a URL; set it to the emulator's, e.g. http://127.0.0.1:4566`;
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  try {
    await answers(url.hostname, port, 2000);
  } catch (err) {
    return `No AWS emulator answers at ${endpoint} (AWS_ENDPOINT_URL: ${err.code ?? err.message}): start one (npm run emulator), or unset AWS_ENDPOINT_URL to deploy to AWS.`;
  }
  // The S3 client puts the bucket in the host name (<bucket>.<host>) unless the host is an IP address,
  // which cannot carry one: then it addresses the bucket by path.
  if (net.isIP(url.hostname) === 0) {
    try {
      await dns.lookup(`serverlessdeploymentbucket.${url.hostname}`);
    } catch {
      return (
        `AWS_ENDPOINT_URL=${endpoint}: the S3 client would address the deployment bucket as <bucket>.${url.hostname}, which does not resolve here; ` +
        `use the IP address instead (e.g. http://127.0.0.1:${port}), with which it addresses buckets by path.`
      );
    }
  }
  return undefined;
}

class EmulatorEndpoint {
  constructor(serverless) {
    this.hooks = {
      initialize: async () => {
        const endpoint = process.env.AWS_ENDPOINT_URL?.trim();
        const command = serverless.processedInput.commands[0];
        if (!endpoint || OFFLINE.has(command)) return;
        const problem = await endpointProblem(endpoint);
        if (problem !== undefined) throw new serverless.classes.Error(problem, 'AWS_EMULATOR_UNREACHABLE');
      },
    };
  }
}

module.exports = EmulatorEndpoint;
module.exports.endpointProblem = endpointProblem;
