#pragma once
// The command line of `longline-bench compare`.

namespace longline::bench::compare {

// argv[1] is "compare". Returns the process's exit code: 0 when every server
// found was measured and the reports were written (targets missed do not
// fail the run; they are printed as missed), 1 otherwise, 2 for bad usage.
int compareMain(int argc, char **argv);

} // namespace longline::bench::compare
