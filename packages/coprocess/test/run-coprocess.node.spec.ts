import { runCoprocessSpecs } from './support/run-coprocess-specs.js';

// runCoprocess's whole behaviour with the node starting every program.
runCoprocessSpecs('node');
