// Jest test order: the CPU-bound files first (the unit project, and the package spec, which
// packs, installs, type-checks and synthesizes), then the integration files. The integration
// files mostly wait on compressed real-time detection (300 ms probe deadlines), so they run best
// once the CPU-bound work is done or, for the package spec, running beside them at a lower
// priority (it runs its commands under nice). Within each group, jest's own order: failed first,
// then the longest first (by the last run's times, or by file size on a fresh machine).
const Sequencer = require('@jest/test-sequencer').default;

/** The package spec: long and CPU-bound, so it goes first, before any unit file. */
const PACKAGE_SPEC = /[\\/]test[\\/]integration[\\/]package\.test\.ts$/;

class CpuBoundFirst extends Sequencer {
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
