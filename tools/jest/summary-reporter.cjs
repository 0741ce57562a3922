// Writes the project's totals to <rootDir>/test-output/jest/results.json so that
// tools/scripts/test-all.mjs can sum passed/failed tests across all projects (and the
// file is a declared Nx output, restored from cache with the test target).
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, 'test-output', 'jest');
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numTotalTests: results.numTotalTests,
      numFailedTestSuites: results.numFailedTestSuites,
      // Suites that failed with no failing test — they could not load, or failed in a hook such
      // as the leftover-process check's afterAll — each count as one failure.
      numRuntimeErrorTestSuites: results.testResults.filter((r) => r.numFailingTests === 0 && (r.testExecError || r.failureMessage)).length,
      success: results.success,
      // Each failure, named, so that test-all.mjs can repeat them at the very end of its output.
      failures: results.testResults.flatMap((suite) => {
        const where = path.relative(this.rootDir, suite.testFilePath);
        const failing = suite.testResults
          .filter((t) => t.status === 'failed')
          .map((t) => ({ where, title: t.fullName, message: t.failureMessages.join('\n') }));
        if (failing.length === 0 && (suite.testExecError || suite.failureMessage)) {
          failing.push({ where, title: '(the suite itself)', message: suite.failureMessage ?? String(suite.testExecError?.message) });
        }
        return failing;
      }),
    };
    fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(summary, null, 2));
  }
}

module.exports = SummaryReporter;
