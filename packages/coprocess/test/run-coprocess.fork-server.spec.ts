import { runCoprocessSpecs } from './support/run-coprocess-specs.js';

// runCoprocess's whole behaviour with the fork-server starting every program.
runCoprocessSpecs('fork-server');
