'use strict';
/* global require, process, URL */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on bare node, as the runtime loads a bundle */
/**
 * A stand-in for the Lambda Node.js runtime, run as a child process with the function's
 * environment: it loads the handler `_HANDLER` names from LAMBDA_TASK_ROOT once (the init
 * phase, where a handler module reads process.env) and runs one invocation per message from the
 * parent. Plain JavaScript on bare node, like the runtime: no TypeScript loader touches the code
 * under test. argv: [taskRoot, loopbackHttpsPort?].
 */
const path = require('node:path');
const http = require('node:http');
const https = require('node:https');

const [taskRoot, loopbackHttpsPort] = process.argv.slice(2);

/**
 * CloudFormation's ResponseURL is an https presigned S3 URL; moto's is plain http. CDK's
 * provider handlers PUT to it with https.request({hostname, path}), dropping any port, so an
 * https request to 127.0.0.1 is sent as http to the port the parent names.
 */
if (loopbackHttpsPort) {
  const original = https.request;
  https.request = function request(options, ...rest) {
    if (options && typeof options === 'object' && !(options instanceof URL)) {
      if (options.hostname === '127.0.0.1' || options.host === '127.0.0.1') {
        return http.request({ ...options, port: Number(loopbackHttpsPort) }, ...rest);
      }
    }
    return original.call(this, options, ...rest);
  };
}

function errorPayload(e) {
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    errorType: err.name || 'Error',
    errorMessage: err.message,
    trace: String(err.stack || '').split('\n'),
  };
}

let handler;
try {
  const spec = process.env._HANDLER || 'index.handler';
  const dot = spec.lastIndexOf('.');
  const mod = require(path.join(taskRoot, spec.slice(0, dot)));
  handler = mod[spec.slice(dot + 1)];
  if (typeof handler !== 'function') {
    throw new Error(
      `${spec} is not a function exported by ${path.join(taskRoot, spec.slice(0, dot))}`,
    );
  }
  process.send({ type: 'ready' });
} catch (e) {
  process.send({ type: 'init-error', error: errorPayload(e) }, () => process.exit(1));
}

// The parent is the Lambda service: when it is gone, so is the sandbox.
process.on('disconnect', () => process.exit(0));

process.on('message', async (msg) => {
  if (!msg || msg.type !== 'invoke' || !handler) return;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: msg.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: msg.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
  };
  try {
    const value = await handler(msg.event, context);
    process.send({ type: 'result', id: msg.id, ok: true, payload: JSON.stringify(value ?? null) });
  } catch (e) {
    process.send({ type: 'result', id: msg.id, ok: false, error: errorPayload(e) });
  }
});
