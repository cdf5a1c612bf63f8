#!/usr/bin/env node
/**
 * `zeek-relay-operator`: the operator as a process (settings from `ZR_OPERATOR_*` variables and
 * flags; `--help` lists them; credentials from the pod's service account or `KUBECONFIG`).
 * Start-up, the health server and shutdown are @zeek-relay/runtime's `runService`; exit codes:
 * its `EXIT_CODES`.
 */
import { runService } from '@zeek-relay/runtime';
import {
  kubeconfigFromEnv,
  loadOperatorConfig,
  OPERATOR_ENV_PREFIX,
  OperatorConfigSchema,
} from './config.js';
import { OPERATOR_ERROR_CODES } from './errors.js';
import { createOperator } from './operator.js';

await runService({
  name: 'operator',
  summary: 'Runs ZeekCluster resources: the Zeek nodes and their hub, gateway and log sink',
  schema: OperatorConfigSchema,
  envPrefix: OPERATOR_ENV_PREFIX,
  loadConfig: loadOperatorConfig,
  health: (c) => ({ host: c.healthHost, port: c.healthPort }),
  create: (config, deps) => createOperator(config, { ...deps, kubeconfig: kubeconfigFromEnv() }),
  configErrorCodes: [OPERATOR_ERROR_CODES.KUBECONFIG],
});
