// Jest test order: the CPU-bound files first (the unit project, and the package spec, which
// packs, installs, type-checks and synthesizes), then the integration files. The integration
// files mostly wait on compressed real-time detection (300 ms probe deadlines), so they run best
// once the CPU-bound work is done or, for the package spec, running beside them at a lower
// priority (it runs its commands under nice). Within each group, jest's own order: failed first,
// then the longest first (by the last run's times; on a fresh machine, such as CI's clone, by the
// measured times below, so that a long file of few lines does not start last and end the run).
const Sequencer = require('@jest/test-sequencer').default;

/** The package spec: long and CPU-bound, so it goes first, before any unit file. */
const PACKAGE_SPEC = /[\\/]test[\\/]integration[\\/]package\.test\.ts$/;

/**
 * Seconds each long integration file took on this 2-core machine (npm test, four workers), for a
 * clone with no timing cache yet; jest's own cache replaces them after the first run.
 */
const MEASURED_S = {
  'drill-scenarios.test.ts': 51,
  'drill-database.test.ts': 47,
  'drill-outage.test.ts': 44,
  'scenarios.test.ts': 73,
  'decisions.test.ts': 60,
  'handover-moves.test.ts': 59,
  'faults.test.ts': 57,
  'faults-access.test.ts': 50,
  'database-failover.test.ts': 47,
  'interfaces.test.ts': 43,
  'az-outage.test.ts': 36,
  'client-deadlines.test.ts': 34,
  'drill-scenarios-return.test.ts': 33,
  'promote.test.ts': 27,
};

class CpuBoundFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined || !/[\\/]test[\\/]integration[\\/]/.test(test.path)) return cached;
    const measured = MEASURED_S[test.path.split(/[\\/]/).pop()];
    return measured === undefined ? undefined : measured * 1000;
  }

  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (test) => {
      if (PACKAGE_SPEC.test(test.path)) return 0;
      return test.context.config.displayName?.name === 'unit' ? 1 : 2;
    };
    // Array.prototype.sort is stable: jest's order holds within each rank.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = CpuBoundFirst;
