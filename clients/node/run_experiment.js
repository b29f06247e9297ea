#!/usr/bin/env node
// Runs the demo experiment through the gateway: create, watch, report. The run is the
// repository's demo-run.json (shared with `./emergence demo` and the Python client), with any
// flags given overriding its fields. Progress and a summary go to stderr; the report, as one line
// of JSON, is the last line of stdout.
// With a token (--token, or the EMERGENCE_TOKEN environment variable) every call carries
// `authorization: Bearer <token>`, as a gateway with tenants requires.
// An RPC error exits 1 with its status code.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// The same contracts every client and service is built from, loaded at run time.
const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');
const DEMO_RUN = path.resolve(__dirname, '..', '..', 'proto', 'src', 'main', 'resources', 'emergence', 'v1', 'configs',
  'demo-run.json');

const USAGE = `usage: run_experiment.js [--target HOST:PORT] [--config FILE] [--modulus P] [--train-fraction F]
                         [--steps N] [--lr LR] [--seed S] [--every-steps N | --per-decade K] [--name NAME]
                         [--token TOKEN] [--timeout SECONDS] [--connect-timeout SECONDS]
The token defaults to $EMERGENCE_TOKEN.`;

const OPTIONS = {
  target: { type: 'string', default: 'localhost:9100' },
  config: { type: 'string', default: DEMO_RUN },
  modulus: { type: 'string' },
  'train-fraction': { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  'every-steps': { type: 'string' },
  'per-decade': { type: 'string' },
  name: { type: 'string', default: 'node-client' },
  token: { type: 'string', default: process.env.EMERGENCE_TOKEN },
  timeout: { type: 'string', default: '600' },
  'connect-timeout': { type: 'string', default: '15' },
  help: { type: 'boolean', short: 'h', default: false },
};
const NUMERIC = ['modulus', 'train-fraction', 'steps', 'lr', 'seed', 'every-steps', 'per-decade', 'timeout',
  'connect-timeout'];

function usageError(message) {
  console.error(`${USAGE}\nrun_experiment.js: error: ${message}`);
  process.exit(2);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({ options: OPTIONS, strict: true }));
  } catch (e) {
    usageError(e.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values['every-steps'] !== undefined && values['per-decade'] !== undefined) {
    usageError('--every-steps and --per-decade are exclusive');
  }
  for (const name of NUMERIC.filter((n) => values[n] !== undefined)) {
    const number = Number(values[name]);
    if (values[name].trim() === '' || !Number.isFinite(number)) usageError(`--${name}: not a number: ${values[name]}`);
    values[name] = number;
  }
  return values;
}

// Adds the bearer token to every call's metadata.
function bearer(token) {
  return (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('authorization', `Bearer ${token}`);
      next(metadata, listener);
    },
  });
}

function loadGateway(target, token) {
  const definition = protoLoader.loadSync('emergence/v1/gateway.proto', {
    includeDirs: [PROTO_ROOT],
    // The proto3 JSON mapping's choices: int64 as strings, enums by name, defaults present.
    longs: String,
    enums: String,
    defaults: true,
  });
  const v1 = grpc.loadPackageDefinition(definition).emergence.v1;
  return new v1.ExperimentService(target, grpc.credentials.createInsecure(),
    token ? { interceptors: [bearer(token)] } : {});
}

function unary(client, method, request, deadline) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// Resolves with the ExperimentFinished event, or null if the stream closed without one.
function watch(client, experimentId, deadline) {
  return new Promise((resolve, reject) => {
    let finished = null;
    const call = client.WatchExperiment({ experimentId }, { deadline });
    call.on('data', (event) => {
      if (event.progress) {
        const p = event.progress;
        const test = p.evaluated ? `  test loss ${p.testLoss.toFixed(4)} acc ${p.testAccuracy.toFixed(3)}` : '';
        console.error(`step ${p.step.padStart(7)}  train loss ${p.trainLoss.toFixed(4)} acc ${p.trainAccuracy.toFixed(3)}${test}`);
      } else if (event.analysed) {
        const { step, scalars } = event.analysed;
        console.error(`checkpoint ${step.padStart(7)} analysed (${Object.keys(scalars).length} scalars)`);
      } else if (event.finished) {
        finished = event.finished;
      }
    });
    // grpc-js emits 'error' before 'end' on a failed stream, so a failure rejects first.
    call.on('error', reject);
    call.on('end', () => resolve(finished));
  });
}

function waitForReady(client, seconds) {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + seconds * 1000, (error) => (error ? reject(error) : resolve()));
  });
}

// The demo config (proto3 JSON, which the loader's objects accept as they are) with the flags applied.
function demoRun(opts) {
  const run = JSON.parse(fs.readFileSync(opts.config, 'utf8'));
  const task = run.workload.modularAddition;
  if (opts.modulus !== undefined) task.modulus = opts.modulus;
  if (opts['train-fraction'] !== undefined) task.trainFraction = opts['train-fraction'];
  if (opts.lr !== undefined) run.optimizer.learningRate = opts.lr;
  if (opts.steps !== undefined) run.steps = opts.steps;
  if (opts.seed !== undefined) run.seed = opts.seed;
  if (opts['every-steps'] !== undefined) run.checkpoints = { everySteps: opts['every-steps'] };
  if (opts['per-decade'] !== undefined) run.checkpoints = { perDecade: opts['per-decade'] };
  return run;
}

// Milestones and detected transitions, named by the report's own milestones and catalogue entries.
function summarise(report) {
  const entries = new Map(report.catalogue.map((d) => [d.id, d]));
  const label = (id) => (entries.has(id) ? `${entries.get(id).displayName} (${entries.get(id).unit})` : id);
  console.error(`${report.experimentId} (${report.name}): ${report.workload}`);
  for (const m of report.milestones) console.error(`  ${m.displayName}: ${m.reached ? `step ${m.step}` : 'not reached'}`);
  for (const t of report.transitions.filter((x) => x.detected)) {
    console.error(`  ${label(t.series)}: transition at step ${t.step}, lead ${t.leadSteps} over ${label(report.referenceSeries)}`);
  }
}

async function main() {
  const opts = parseOptions();
  const client = loadGateway(opts.target, opts.token);
  const deadline = new Date(Date.now() + opts.timeout * 1000);
  try {
    await waitForReady(client, Math.min(opts['connect-timeout'], opts.timeout));
  } catch {
    console.error(`error: UNAVAILABLE: no connection to ${opts.target} within ${opts['connect-timeout']} s`);
    return 1;
  }
  try {
    const run = demoRun(opts);
    const created = await unary(client, 'CreateExperiment', { run, name: opts.name }, deadline);
    console.error(`experiment ${created.experimentId} (run ${created.runId})`);
    const finished = await watch(client, created.experimentId, deadline);
    const report = await unary(client, 'GetReport', { experimentId: created.experimentId }, deadline);
    summarise(report);
    console.log(JSON.stringify(report));
    if (finished === null) {
      console.error('error: the watch ended before the experiment finished');
      return 1;
    }
    if (finished.state !== 'EXPERIMENT_STATE_COMPLETED') {
      console.error(`error: experiment ${finished.state}: ${finished.message}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error.code === undefined) throw error;
    console.error(`error: ${grpc.status[error.code]}: ${error.details}`);
    return 1;
  } finally {
    client.close();
  }
}

main().then((code) => {
  process.exitCode = code;
});
